#!/usr/bin/env bash
# Sets up orgtrail-operator's event triggers with the AWS CLI (docs/events.md): an SQS
# queue in the operator's home region fed by the EventBridge rule
# orgtrail-operator-api-calls and, when the home region is not us-east-1, the us-east-1
# rule orgtrail-operator-organizations that forwards Organizations API calls to the home
# region's default event bus. Run it with management-account credentials.
#
#   HOME_REGION=eu-west-1 ACCOUNT_ID=111111111111 deploy/events/setup-cli.sh
#
# Environment:
#   HOME_REGION          the operator's region (its AWS_REGION)              (required)
#   ACCOUNT_ID           the management account id                           (required)
#   QUEUE_NAME           default orgtrail-operator-events
#   FORWARDING_ROLE_ARN  an existing role for the us-east-1 rule (e.g. one your IAM
#                        pipeline owns); default: create/update
#                        orgtrail-operator-events-forwarding
#   PARTITION            default aws
#
# Idempotent: every step creates or converges, so rerunning is safe (and repairs a
# changed queue policy, rule or target). Prints the queue URL on stdout, progress on
# stderr: QUEUE_URL=$(deploy/events/setup-cli.sh).
# The same resources as cloudformation.yaml and terraform/; tests/events_setup.rs runs
# this script against the emulator.
set -euo pipefail

: "${HOME_REGION:?set HOME_REGION to the region the operator runs in, e.g. eu-west-1}"
: "${ACCOUNT_ID:?set ACCOUNT_ID to the management account id}"
QUEUE_NAME=${QUEUE_NAME:-orgtrail-operator-events}
PARTITION=${PARTITION:-aws}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

API_RULE=orgtrail-operator-api-calls
ORG_RULE=orgtrail-operator-organizations
ROLE_NAME=orgtrail-operator-events-forwarding

say() { echo "setup-cli: $*" >&2; }
# PutTargets answers 200 even when a target was refused: check FailedEntryCount.
put_targets() {
  local failed
  failed=$(aws events put-targets "$@" --query FailedEntryCount --output text)
  [ "$failed" = 0 ] || { say "put-targets $* failed for $failed target(s)"; exit 1; }
}
# A JSON document as the value of a JSON string (for attribute maps).
json_string() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

# --- home region: queue, rule, queue policy, target ---------------------------------

# SSE-SQS (no KMS key to manage or grant); one day of retention: messages are hints, and
# the periodic resync has covered anything older. CreateQueue with the same attributes
# returns the existing queue.
say "queue $QUEUE_NAME in $HOME_REGION"
queue_url=$(aws sqs create-queue --region "$HOME_REGION" \
  --queue-name "$QUEUE_NAME" \
  --attributes SqsManagedSseEnabled=true,MessageRetentionPeriod=86400,ReceiveMessageWaitTimeSeconds=20 \
  --query QueueUrl --output text)
queue_arn=$(aws sqs get-queue-attributes --region "$HOME_REGION" \
  --queue-url "$queue_url" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)

# PutRule creates or updates.
say "rule $API_RULE in $HOME_REGION"
api_rule_arn=$(aws events put-rule --region "$HOME_REGION" \
  --name "$API_RULE" \
  --event-pattern "file://$here/event-pattern.json" \
  --state ENABLED \
  --description "CloudTrail and Organizations API calls that can change what orgtrail-operator manages" \
  --query RuleArn --output text)

# Only our rule may send: nothing else can feed the operator made-up hints.
policy='{"Version":"2012-10-17","Statement":[{"Sid":"OrgtrailOperatorRule","Effect":"Allow",'
policy+='"Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage",'
policy+="\"Resource\":\"$queue_arn\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"$api_rule_arn\"}}}]}"
aws sqs set-queue-attributes --region "$HOME_REGION" \
  --queue-url "$queue_url" \
  --attributes "{\"Policy\":$(json_string "$policy")}"

# PutTargets replaces the target with the same Id.
put_targets --region "$HOME_REGION" \
  --rule "$API_RULE" \
  --targets "Id=orgtrail-operator-queue,Arn=$queue_arn"

# --- us-east-1: forward Organizations calls to the home region ----------------------

# Organizations API calls reach EventBridge in us-east-1 only. With the home region
# there, the rule above matches them directly.
if [ "$HOME_REGION" != us-east-1 ]; then
  org_rule_arn="arn:$PARTITION:events:us-east-1:$ACCOUNT_ID:rule/$ORG_RULE"
  home_bus_arn="arn:$PARTITION:events:$HOME_REGION:$ACCOUNT_ID:event-bus/default"

  if [ -n "${FORWARDING_ROLE_ARN:-}" ]; then
    role_arn=$FORWARDING_ROLE_ARN
    say "role $role_arn (given)"
  else
    # IAM is global; --region only spares a default region in the CLI's configuration.
    say "role $ROLE_NAME"
    trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    trust+='"Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole",'
    trust+="\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"$ACCOUNT_ID\"},"
    trust+="\"ArnEquals\":{\"aws:SourceArn\":\"$org_rule_arn\"}}}]}"
    if role_arn=$(aws iam get-role --region us-east-1 --role-name "$ROLE_NAME" \
      --query Role.Arn --output text 2>/dev/null); then
      aws iam update-assume-role-policy --region us-east-1 --role-name "$ROLE_NAME" \
        --policy-document "$trust"
    else
      role_arn=$(aws iam create-role --region us-east-1 --role-name "$ROLE_NAME" \
        --description "Lets the $ORG_RULE rule put events on the home region's default bus" \
        --assume-role-policy-document "$trust" \
        --query Role.Arn --output text)
    fi
    # PutRolePolicy creates or replaces the inline policy.
    aws iam put-role-policy --region us-east-1 --role-name "$ROLE_NAME" \
      --policy-name put-events-on-home-bus \
      --policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"events:PutEvents\",\"Resource\":\"$home_bus_arn\"}]}"
  fi

  say "rule $ORG_RULE in us-east-1 → $home_bus_arn"
  aws events put-rule --region us-east-1 \
    --name "$ORG_RULE" \
    --event-pattern "file://$here/organizations-pattern.json" \
    --state ENABLED \
    --description "Organizations API calls that concern orgtrail-operator, forwarded to $HOME_REGION" \
    --query RuleArn --output text >/dev/null
  # A cross-region event bus target is EventBridge's way of moving events between
  # regions; an SQS target must be in the rule's own region.
  put_targets --region us-east-1 \
    --rule "$ORG_RULE" \
    --targets "Id=home-event-bus,Arn=$home_bus_arn,RoleArn=$role_arn"
fi

echo "$queue_url"
