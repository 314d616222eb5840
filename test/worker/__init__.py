"""Tests of what runs on a worker: the map/reduce runner, its examples, the sample-data generator.

Standard-library unittest only: python3 -m unittest discover -s test/worker -t .
"""
