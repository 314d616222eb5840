import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand, type CloudWatchClient, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SubscribeCommand, UnsubscribeCommand, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import type { AlarmState, AlertSubscriptionState } from '../../../shared/schedule-calls.ts';
import type { Schedule } from '../../../shared/schedule.ts';
import { ALERT_TOPIC, alarmName, jobOfAlarm, METRIC_DIMENSION, METRIC_NAME, METRIC_NAMESPACE } from './aws-names.ts';
import { SETUP_MINUTES } from './scheduled-user-data.ts';

/**
 * Alerts from AWS itself, so that a scheduled job never fails silently while the app is closed:
 * the app's SNS topic with the user's e-mail subscribed (the run publishes to it when it fails,
 * times out or is blocked), and per job a CloudWatch alarm on the RunSucceeded metric the run
 * puts at its end, which goes off on a 0 and when the metric is missing (a run that never
 * happened: no instance, a broken role, a deleted tarball) and tells the same topic.
 */

/** The app's alert topic (CreateTopic answers the existing one's ARN when it is there). */
export async function ensureAlertTopic(sns: SNSClient): Promise<string> {
  const made = await sns.send(new CreateTopicCommand({ Name: ALERT_TOPIC, Tags: [{ Key: 'app', Value: 'analysis-workbench' }] }));
  if (!made.TopicArn) throw new Error('SNS answered CreateTopic without the topic ARN');
  return made.TopicArn;
}

/** The app's alert topic if it has been made in this region, without making it. */
export async function findAlertTopic(sns: SNSClient): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand(token ? { NextToken: token } : {}));
    const found = (page.Topics ?? []).find((t) => t.TopicArn?.endsWith(`:${ALERT_TOPIC}`));
    if (found?.TopicArn) return found.TopicArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

async function emailSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(token ? { NextToken: token } : {}) }));
    found.push(...(page.Subscriptions ?? []).filter((s) => s.Protocol === 'email'));
    token = page.NextToken;
  } while (token);
  return found;
}

/** SNS lists an unconfirmed subscription with the ARN "PendingConfirmation" (or says so in its attributes). */
async function stateOf(sns: SNSClient, subscription: Subscription): Promise<AlertSubscriptionState> {
  const arn = subscription.SubscriptionArn;
  if (!arn || arn === 'PendingConfirmation') return 'pending';
  const attributes = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes ?? {};
  return attributes['PendingConfirmation'] === 'true' ? 'pending' : 'confirmed';
}

/**
 * The user's address subscribed to the topic, once (SNS then mails a link that must be clicked
 * before alerts arrive). `previous`, the address it replaces, is unsubscribed; any other
 * subscriber of the topic (one added in the console) is left alone.
 */
export async function ensureSubscription(sns: SNSClient, topicArn: string, email: string | undefined, previous?: string): Promise<AlertSubscriptionState> {
  const subscriptions = await emailSubscriptions(sns, topicArn);
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  for (const s of subscriptions) {
    // A pending subscription has no ARN to unsubscribe: SNS drops it after three days unconfirmed.
    if (same(s.Endpoint, previous) && !same(s.Endpoint, email) && s.SubscriptionArn?.startsWith('arn:')) await sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
  }
  if (!email) return 'none';
  const mine = subscriptions.find((s) => s.Endpoint?.toLowerCase() === email.toLowerCase());
  if (mine) return stateOf(sns, mine);
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: email }));
  const made = (await emailSubscriptions(sns, topicArn)).find((s) => s.Endpoint?.toLowerCase() === email.toLowerCase());
  return made ? stateOf(sns, made) : 'pending';
}

/** The state of the address's subscription to the topic, without changing anything. */
export async function subscriptionState(sns: SNSClient, topicArn: string, email: string | undefined): Promise<AlertSubscriptionState> {
  if (!email) return 'none';
  const mine = (await emailSubscriptions(sns, topicArn)).find((s) => s.Endpoint?.toLowerCase() === email.toLowerCase());
  return mine ? stateOf(sns, mine) : 'none';
}

/**
 * The job's alarm: Minimum of RunSucceeded below 1 over a day plus the run's longest time (its
 * timeout and the minutes an instance may take to set up and publish), missing data breaching.
 * A run puts its value when it ends, and on the days a weekly or monthly job does not run its
 * heartbeat puts 1 (see heartbeatExpressions; also every day before its start date and after its
 * end date), so a value arrives at least once a day; a window with none means a run that did not
 * happen. A disabled schedule's alarm keeps its state but
 * sends nothing.
 */
export function alarmInput(schedule: Schedule, topicArn: string): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarmName(schedule.name),
    AlarmDescription: `Analysis Workbench job ${schedule.name}: a run failed, timed out, was blocked, or did not happen.`,
    Namespace: METRIC_NAMESPACE,
    MetricName: METRIC_NAME,
    Dimensions: [{ Name: METRIC_DIMENSION, Value: schedule.name }],
    Statistic: 'Minimum',
    Period: 86_400 + (schedule.timeoutMinutes + SETUP_MINUTES) * 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
    ActionsEnabled: schedule.enabled,
    AlarmActions: [topicArn],
  };
}

/**
 * RunSucceeded = 1 now, from the app: a new alarm has a value in its window until the first run
 * or heartbeat (else it would go off as soon as it is made). A failure still in the window
 * keeps its 0, so the Minimum still says so.
 */
export async function putBaseline(cloudwatch: CloudWatchClient, job: string): Promise<void> {
  await cloudwatch.send(new PutMetricDataCommand({ Namespace: METRIC_NAMESPACE, MetricData: [{ MetricName: METRIC_NAME, Dimensions: [{ Name: METRIC_DIMENSION, Value: job }], Value: 1, Unit: 'Count' }] }));
}

export async function putRunAlarm(cloudwatch: CloudWatchClient, schedule: Schedule, topicArn: string): Promise<void> {
  await cloudwatch.send(new PutMetricAlarmCommand(alarmInput(schedule, topicArn)));
}

/**
 * A disabled schedule's alarm sends nothing (its runs stop, so its metric goes missing): the
 * alarm is put again as it is with its actions on or off (a schedule saved before alarms has none).
 */
export async function setAlarmActions(cloudwatch: CloudWatchClient, job: string, enabled: boolean): Promise<void> {
  const current = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName(job)] }))).MetricAlarms?.[0];
  if (!current) return;
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: current.AlarmName,
      AlarmDescription: current.AlarmDescription,
      Namespace: current.Namespace,
      MetricName: current.MetricName,
      Dimensions: current.Dimensions,
      Statistic: current.Statistic,
      Period: current.Period,
      EvaluationPeriods: current.EvaluationPeriods,
      Threshold: current.Threshold,
      ComparisonOperator: current.ComparisonOperator,
      TreatMissingData: current.TreatMissingData,
      AlarmActions: current.AlarmActions,
      ActionsEnabled: enabled,
    }),
  );
}

export async function deleteRunAlarm(cloudwatch: CloudWatchClient, job: string): Promise<void> {
  await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName(job)] }));
}

/** The state of every job's alarm, by job name. */
export async function alarmStates(cloudwatch: CloudWatchClient): Promise<Record<string, AlarmState>> {
  const states: Record<string, AlarmState> = {};
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmName(''), ...(token ? { NextToken: token } : {}) }));
    for (const alarm of page.MetricAlarms ?? []) {
      const job = alarm.AlarmName ? jobOfAlarm(alarm.AlarmName) : undefined;
      if (job && alarm.StateValue) states[job] = alarm.StateValue;
    }
    token = page.NextToken;
  } while (token);
  return states;
}
