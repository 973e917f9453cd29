//! CEL rules shared by several kinds, so each is written (and unit-tested) once.
//! Formats are AWS's documented ones; messages say what a human must change.

/// At most 50 tags.
pub const TAGS_COUNT: &str = "self.size() <= 50";
pub const TAGS_COUNT_MSG: &str = "at most 50 tags are allowed";
/// Tag keys 1-128 characters and not `aws:`-prefixed; values at most 256 characters.
pub const TAGS_FORMAT: &str = "self.all(k, k.size() >= 1 && k.size() <= 128 && !k.startsWith('aws:') && self[k].size() <= 256)";
pub const TAGS_FORMAT_MSG: &str = "tag keys must be 1-128 characters and must not start with 'aws:'; tag values at most 256 characters";

/// An AWS region code such as `us-east-1` or `us-gov-west-1`.
pub const REGION: &str = "self.matches('^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$')";
pub const REGION_MSG: &str = "must be an AWS region code such as us-east-1";

/// Immutable once set.
pub const IMMUTABLE: &str = "self == oldSelf";

/// A KMS key: key id, alias, key ARN or alias ARN.
pub const KMS_KEY: &str = "self.matches('^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)|alias/[A-Za-z0-9/_-]+|[A-Za-z0-9-]{1,64})$')";
pub const KMS_KEY_MSG: &str = "must be a KMS key id, alias (alias/name), key ARN or alias ARN";

/// A 12-digit AWS account id.
pub const ACCOUNT_ID: &str = "self.matches('^[0-9]{12}$')";
pub const ACCOUNT_ID_MSG: &str = "must be a 12-digit AWS account id";

/// A name of 3-128 characters of `[A-Za-z0-9._-]` (event data stores).
pub const EDS_NAME: &str = "self.matches('^[A-Za-z0-9._-]{3,128}$')";
pub const EDS_NAME_MSG: &str =
    "must be 3-128 characters of letters, digits, periods, underscores and hyphens";

/// An IAM role ARN.
pub const ROLE_ARN: &str =
    "self.matches('^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$')";
pub const ROLE_ARN_MSG: &str =
    "must be an IAM role ARN, e.g. arn:aws:iam::111111111111:role/CloudTrailToCloudWatch";

/// Keys of a map by Insights type.
pub const INSIGHT_TYPE_KEYS: &str =
    "self.all(k, k in ['ApiCallRateInsight', 'ApiErrorRateInsight'])";
pub const INSIGHT_TYPE_KEYS_MSG: &str =
    "keys must be Insights types: ApiCallRateInsight or ApiErrorRateInsight";
/// Event category lists of Insights: one or two distinct categories.
pub const CATEGORY_LISTS: &str = "self.all(k, self[k].size() >= 1 && self[k].size() <= 2 && self[k].all(c, self[k].exists_one(d, d == c)))";
pub const CATEGORY_LISTS_MSG: &str =
    "each type takes one or both of Management and Data, without repeats";

/// An event data store ARN.
pub const EDS_ARN: &str = "self.matches('^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:eventdatastore/[A-Za-z0-9-]{1,64}$')";
pub const EDS_ARN_MSG: &str = "must be an event data store ARN, e.g. arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE";
