"""How a run fails: the exception that ends it and the exit codes it ends with."""

EXIT_CONFIG = 1
EXIT_SCRIPT = 2
EXIT_DIED = 3
EXIT_SOURCE = 4  # the data source cannot be read (S3 access denied, no such bucket, wrong region ...)


class JobFailed(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
