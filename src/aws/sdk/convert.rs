//! SDK types <-> domain types. Nothing here does I/O; everything is total (a member AWS
//! leaves out becomes the AWS default, never a panic).

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types as ct;
use aws_sdk_organizations::types as org;

use crate::api::selectors::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, InsightType,
    ReadWriteType,
};
use crate::api::settings::{AggregationEventCategory, AggregationTemplate, ContextKeyType};
use crate::aws::types::{
    AggregationConfiguration, BillingMode, ContextKeySelector, EventConfiguration,
    EventDataStoreStatus, EventDataStoreSummary, FederationStatus, InsightSelector, Insights,
    MaxEventSize, Organization, SourceEventCategory, Trail, TrailSummary,
};

/// `Organization` from `DescribeOrganization`.
pub fn organization(o: &org::Organization) -> Organization {
    Organization {
        id: o.id().unwrap_or_default().to_owned(),
        all_features: o.feature_set() == Some(&org::OrganizationFeatureSet::All),
        management_account_id: o.master_account_id().unwrap_or_default().to_owned(),
    }
}

/// The region in a CloudTrail ARN (`arn:aws:cloudtrail:<region>:<account>:...`).
pub fn arn_region(arn: &str) -> Option<&str> {
    crate::aws::arn_region_and_account(arn).map(|(region, _)| region)
}

fn owned(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `Trail` from `GetTrail`.
pub fn trail(t: &ct::Trail) -> Trail {
    Trail {
        name: t.name.clone().unwrap_or_default(),
        arn: t.trail_arn.clone().unwrap_or_default(),
        home_region: t.home_region.clone().unwrap_or_default(),
        s3_bucket_name: t.s3_bucket_name.clone().unwrap_or_default(),
        s3_key_prefix: owned(t.s3_key_prefix.as_deref()),
        sns_topic_arn: owned(t.sns_topic_arn.as_deref()),
        kms_key_id: owned(t.kms_key_id.as_deref()),
        cloud_watch_logs_log_group_arn: owned(t.cloud_watch_logs_log_group_arn.as_deref()),
        cloud_watch_logs_role_arn: owned(t.cloud_watch_logs_role_arn.as_deref()),
        is_multi_region_trail: t.is_multi_region_trail.unwrap_or(false),
        include_global_service_events: t.include_global_service_events.unwrap_or(false),
        log_file_validation_enabled: t.log_file_validation_enabled.unwrap_or(false),
        is_organization_trail: t.is_organization_trail.unwrap_or(false),
        has_custom_event_selectors: t.has_custom_event_selectors.unwrap_or(false),
        has_insight_selectors: t.has_insight_selectors.unwrap_or(false),
        // AWS's default: omitted means on.
        recursive_logging: t.recursive_logging.unwrap_or(true),
    }
}

/// `Trail` from a `CreateTrail`/`UpdateTrail` response. Those responses carry neither
/// `HomeRegion` (taken from the ARN, else the region called) nor the `Has*Selectors`
/// flags (reported false: read `GetTrail` for them).
macro_rules! trail_from_write {
    ($out:expr, $region:expr) => {{
        let out = $out;
        let arn = out.trail_arn().unwrap_or_default().to_owned();
        Trail {
            name: out.name().unwrap_or_default().to_owned(),
            home_region: crate::aws::sdk::convert::arn_region(&arn)
                .unwrap_or($region)
                .to_owned(),
            arn,
            s3_bucket_name: out.s3_bucket_name().unwrap_or_default().to_owned(),
            s3_key_prefix: out
                .s3_key_prefix()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            sns_topic_arn: out
                .sns_topic_arn()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            kms_key_id: out
                .kms_key_id()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            cloud_watch_logs_log_group_arn: out
                .cloud_watch_logs_log_group_arn()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            cloud_watch_logs_role_arn: out
                .cloud_watch_logs_role_arn()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            is_multi_region_trail: out.is_multi_region_trail().unwrap_or(false),
            include_global_service_events: out.include_global_service_events().unwrap_or(false),
            log_file_validation_enabled: out.log_file_validation_enabled().unwrap_or(false),
            is_organization_trail: out.is_organization_trail().unwrap_or(false),
            has_custom_event_selectors: false,
            has_insight_selectors: false,
            recursive_logging: out.recursive_logging().unwrap_or(true),
        }
    }};
}
pub(crate) use trail_from_write;

/// `TrailSummary` from `ListTrails`.
pub fn trail_summary(t: &ct::TrailInfo) -> TrailSummary {
    TrailSummary {
        arn: t.trail_arn().unwrap_or_default().to_owned(),
        name: t.name().unwrap_or_default().to_owned(),
        home_region: t.home_region().unwrap_or_default().to_owned(),
    }
}

/// Domain basic selector -> SDK.
pub fn event_selector_to_sdk(s: &EventSelector) -> ct::EventSelector {
    let read_write = match s.read_write_type {
        ReadWriteType::ReadOnly => ct::ReadWriteType::ReadOnly,
        ReadWriteType::WriteOnly => ct::ReadWriteType::WriteOnly,
        ReadWriteType::All => ct::ReadWriteType::All,
    };
    ct::EventSelector::builder()
        .read_write_type(read_write)
        .include_management_events(s.include_management_events)
        .set_data_resources(Some(
            s.data_resources
                .iter()
                .map(|d| {
                    ct::DataResource::builder()
                        .r#type(&d.type_)
                        .set_values(Some(d.values.clone()))
                        .build()
                })
                .collect(),
        ))
        .set_exclude_management_event_sources(Some(s.exclude_management_event_sources.clone()))
        .build()
}

/// SDK basic selector -> domain (AWS defaults for omitted members: All, true).
pub fn event_selector_from_sdk(s: &ct::EventSelector) -> EventSelector {
    let read_write_type = match s.read_write_type() {
        Some(ct::ReadWriteType::ReadOnly) => ReadWriteType::ReadOnly,
        Some(ct::ReadWriteType::WriteOnly) => ReadWriteType::WriteOnly,
        _ => ReadWriteType::All,
    };
    EventSelector {
        read_write_type,
        include_management_events: s.include_management_events().unwrap_or(true),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                type_: d.r#type().unwrap_or_default().to_owned(),
                values: d.values().to_vec(),
            })
            .collect(),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
    }
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

/// Domain advanced selector -> SDK. Fails only if a required member is missing, which
/// the builders check (an empty `Field` is sent as is and rejected by AWS).
pub fn advanced_selector_to_sdk(
    s: &AdvancedEventSelector,
) -> Result<ct::AdvancedEventSelector, String> {
    let fields = s
        .field_selectors
        .iter()
        .map(|f| {
            ct::AdvancedFieldSelector::builder()
                .field(&f.field)
                .set_equals(non_empty(&f.equals))
                .set_starts_with(non_empty(&f.starts_with))
                .set_ends_with(non_empty(&f.ends_with))
                .set_not_equals(non_empty(&f.not_equals))
                .set_not_starts_with(non_empty(&f.not_starts_with))
                .set_not_ends_with(non_empty(&f.not_ends_with))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    ct::AdvancedEventSelector::builder()
        .set_name(s.name.clone())
        .set_field_selectors(Some(fields))
        .build()
        .map_err(|e| e.to_string())
}

/// SDK advanced selector -> domain.
pub fn advanced_selector_from_sdk(s: &ct::AdvancedEventSelector) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: owned(s.name()),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| AdvancedFieldSelector {
                field: f.field().to_owned(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

/// All advanced selectors -> SDK.
pub fn advanced_selectors_to_sdk(
    selectors: &[AdvancedEventSelector],
) -> Result<Vec<ct::AdvancedEventSelector>, String> {
    selectors.iter().map(advanced_selector_to_sdk).collect()
}

/// Domain insight type -> SDK.
pub fn insight_type_to_sdk(i: InsightType) -> ct::InsightType {
    match i {
        InsightType::ApiCallRateInsight => ct::InsightType::ApiCallRateInsight,
        InsightType::ApiErrorRateInsight => ct::InsightType::ApiErrorRateInsight,
    }
}

/// Domain event category of Insights -> SDK.
pub fn source_event_category_to_sdk(c: SourceEventCategory) -> ct::SourceEventCategory {
    match c {
        SourceEventCategory::Management => ct::SourceEventCategory::Management,
        SourceEventCategory::Data => ct::SourceEventCategory::Data,
    }
}

/// Domain insight selector -> SDK. `EventCategories` are sent as given; none (AWS's
/// default, management events) leaves the member out.
pub fn insight_to_sdk(s: &InsightSelector) -> ct::InsightSelector {
    ct::InsightSelector::builder()
        .insight_type(insight_type_to_sdk(s.insight_type))
        .set_event_categories((!s.event_categories.is_empty()).then(|| {
            s.event_categories
                .iter()
                .copied()
                .map(source_event_category_to_sdk)
                .collect()
        }))
        .build()
}

/// SDK insight selector -> domain; types this code does not know are dropped, and so are
/// categories. A selector whose categories are all unknown is dropped too: reading it as
/// AWS's default (management events) would hide that it analyses something else.
pub fn insight_from_sdk(s: &ct::InsightSelector) -> Option<InsightSelector> {
    let insight_type = match s.insight_type()? {
        ct::InsightType::ApiCallRateInsight => InsightType::ApiCallRateInsight,
        ct::InsightType::ApiErrorRateInsight => InsightType::ApiErrorRateInsight,
        _ => return None,
    };
    let event_categories: Vec<_> = s
        .event_categories()
        .iter()
        .filter_map(|c| match c {
            ct::SourceEventCategory::Management => Some(SourceEventCategory::Management),
            ct::SourceEventCategory::Data => Some(SourceEventCategory::Data),
            _ => None,
        })
        .collect();
    if event_categories.is_empty() && !s.event_categories().is_empty() {
        return None;
    }
    Some(InsightSelector {
        insight_type,
        event_categories,
    })
}

/// `Insights` from a Get/PutInsightSelectors answer's members, canonical.
pub fn insights_from_sdk(selectors: &[ct::InsightSelector], destination: Option<&str>) -> Insights {
    Insights {
        selectors: selectors.iter().filter_map(insight_from_sdk).collect(),
        destination: owned(destination),
    }
    .canonical()
}

/// SDK federation status -> domain (AWS's silence: not federated).
pub fn federation_status(s: Option<&ct::FederationStatus>) -> FederationStatus {
    match s {
        None => FederationStatus::Disabled,
        Some(ct::FederationStatus::Enabling) => FederationStatus::Enabling,
        Some(ct::FederationStatus::Enabled) => FederationStatus::Enabled,
        Some(ct::FederationStatus::Disabling) => FederationStatus::Disabling,
        Some(ct::FederationStatus::Disabled) => FederationStatus::Disabled,
        Some(other) => FederationStatus::Other(other.as_str().to_owned()),
    }
}

/// Domain maximum event size -> SDK.
pub fn max_event_size_to_sdk(m: MaxEventSize) -> ct::MaxEventSize {
    match m {
        MaxEventSize::Standard => ct::MaxEventSize::Standard,
        MaxEventSize::Large => ct::MaxEventSize::Large,
    }
}

/// SDK maximum event size -> domain; a size this code does not know reads as none.
pub fn max_event_size_from_sdk(m: Option<&ct::MaxEventSize>) -> Option<MaxEventSize> {
    match m? {
        ct::MaxEventSize::Standard => Some(MaxEventSize::Standard),
        ct::MaxEventSize::Large => Some(MaxEventSize::Large),
        _ => None,
    }
}

/// Domain context key selector -> SDK. Fails only if a required member is missing.
pub fn context_key_selector_to_sdk(
    s: &ContextKeySelector,
) -> Result<ct::ContextKeySelector, String> {
    let t = match s.type_ {
        ContextKeyType::TagContext => ct::Type::TagContext,
        ContextKeyType::RequestContext => ct::Type::RequestContext,
    };
    ct::ContextKeySelector::builder()
        .r#type(t)
        .set_equals(Some(s.equals.clone()))
        .build()
        .map_err(|e| e.to_string())
}

/// SDK context key selector -> domain; types this code does not know are dropped.
pub fn context_key_selector_from_sdk(s: &ct::ContextKeySelector) -> Option<ContextKeySelector> {
    let type_ = match s.r#type() {
        ct::Type::TagContext => ContextKeyType::TagContext,
        ct::Type::RequestContext => ContextKeyType::RequestContext,
        _ => return None,
    };
    Some(ContextKeySelector {
        type_,
        equals: s.equals().to_vec(),
    })
}

fn template_to_sdk(t: AggregationTemplate) -> ct::Template {
    match t {
        AggregationTemplate::ApiActivity => ct::Template::ApiActivity,
        AggregationTemplate::ResourceAccess => ct::Template::ResourceAccess,
        AggregationTemplate::UserActions => ct::Template::UserActions,
    }
}

/// Domain aggregation configuration -> SDK. Fails only if a required member is missing.
pub fn aggregation_to_sdk(
    a: &AggregationConfiguration,
) -> Result<ct::AggregationConfiguration, String> {
    let category = match a.event_category {
        AggregationEventCategory::Data => ct::EventCategoryAggregation::Data,
    };
    ct::AggregationConfiguration::builder()
        .set_templates(Some(
            a.templates.iter().copied().map(template_to_sdk).collect(),
        ))
        .event_category(category)
        .build()
        .map_err(|e| e.to_string())
}

/// SDK aggregation configuration -> domain; templates this code does not know are
/// dropped, and so is a configuration of a category it does not know (or with no known
/// template left: it cannot be said back to AWS).
pub fn aggregation_from_sdk(a: &ct::AggregationConfiguration) -> Option<AggregationConfiguration> {
    let event_category = match a.event_category() {
        ct::EventCategoryAggregation::Data => AggregationEventCategory::Data,
        _ => return None,
    };
    let templates: Vec<_> = a
        .templates()
        .iter()
        .filter_map(|t| match t {
            ct::Template::ApiActivity => Some(AggregationTemplate::ApiActivity),
            ct::Template::ResourceAccess => Some(AggregationTemplate::ResourceAccess),
            ct::Template::UserActions => Some(AggregationTemplate::UserActions),
            _ => None,
        })
        .collect();
    (!templates.is_empty()).then_some(AggregationConfiguration {
        templates,
        event_category,
    })
}

/// `EventConfiguration` from a `GetEventConfiguration` answer, canonical.
pub fn event_configuration(
    out: &aws_sdk_cloudtrail::operation::get_event_configuration::GetEventConfigurationOutput,
) -> EventConfiguration {
    EventConfiguration {
        max_event_size: max_event_size_from_sdk(out.max_event_size()),
        context_key_selectors: out
            .context_key_selectors()
            .iter()
            .filter_map(context_key_selector_from_sdk)
            .collect(),
        aggregation_configurations: out
            .aggregation_configurations()
            .iter()
            .filter_map(aggregation_from_sdk)
            .collect(),
    }
    .canonical()
}

/// Tags -> SDK `TagsList`.
pub fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Result<Vec<ct::Tag>, String> {
    tags.iter()
        .map(|(k, v)| {
            ct::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// SDK tags -> map (a tag without value has the empty value).
pub fn tags_from_sdk(tags: &[ct::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().unwrap_or_default().to_owned()))
        .collect()
}

/// Billing mode -> SDK.
pub fn billing_mode_to_sdk(m: BillingMode) -> ct::BillingMode {
    match m {
        BillingMode::ExtendableRetentionPricing => ct::BillingMode::ExtendableRetentionPricing,
        BillingMode::FixedRetentionPricing => ct::BillingMode::FixedRetentionPricing,
    }
}

/// SDK billing mode -> domain (AWS's default when absent).
pub fn billing_mode_from_sdk(m: Option<&ct::BillingMode>) -> BillingMode {
    match m {
        Some(ct::BillingMode::FixedRetentionPricing) => BillingMode::FixedRetentionPricing,
        _ => BillingMode::ExtendableRetentionPricing,
    }
}

/// SDK status -> domain.
pub fn eds_status(s: Option<&ct::EventDataStoreStatus>) -> EventDataStoreStatus {
    match s {
        Some(ct::EventDataStoreStatus::Created) => EventDataStoreStatus::Created,
        Some(ct::EventDataStoreStatus::Enabled) => EventDataStoreStatus::Enabled,
        Some(ct::EventDataStoreStatus::PendingDeletion) => EventDataStoreStatus::PendingDeletion,
        Some(ct::EventDataStoreStatus::StartingIngestion) => {
            EventDataStoreStatus::StartingIngestion
        }
        Some(ct::EventDataStoreStatus::StoppingIngestion) => {
            EventDataStoreStatus::StoppingIngestion
        }
        Some(ct::EventDataStoreStatus::StoppedIngestion) => EventDataStoreStatus::StoppedIngestion,
        Some(other) => EventDataStoreStatus::Other(other.as_str().to_owned()),
        None => EventDataStoreStatus::Other(String::new()),
    }
}

/// `EventDataStore` from a `CreateEventDataStore` response, which carries no federation
/// members: a new store is not federated.
macro_rules! created_event_data_store_from {
    ($out:expr) => {{
        use crate::aws::sdk::convert as c;
        let out = $out;
        crate::aws::types::EventDataStore {
            arn: out.event_data_store_arn().unwrap_or_default().to_owned(),
            name: out.name().unwrap_or_default().to_owned(),
            status: c::eds_status(out.status()),
            advanced_event_selectors: out
                .advanced_event_selectors()
                .iter()
                .map(c::advanced_selector_from_sdk)
                .collect(),
            multi_region_enabled: out.multi_region_enabled().unwrap_or(false),
            organization_enabled: out.organization_enabled().unwrap_or(false),
            retention_period: out.retention_period().unwrap_or(0),
            termination_protection_enabled: out.termination_protection_enabled().unwrap_or(false),
            kms_key_id: out
                .kms_key_id()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            billing_mode: c::billing_mode_from_sdk(out.billing_mode()),
            federation_status: crate::aws::types::FederationStatus::Disabled,
            federation_role_arn: None,
        }
    }};
}
pub(crate) use created_event_data_store_from;

/// `EventDataStore` from a Get/UpdateEventDataStore response (the members of a create's,
/// plus federation).
macro_rules! event_data_store_from {
    ($out:expr) => {{
        let out = $out;
        crate::aws::types::EventDataStore {
            federation_status: crate::aws::sdk::convert::federation_status(out.federation_status()),
            federation_role_arn: out
                .federation_role_arn()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            ..crate::aws::sdk::convert::created_event_data_store_from!(out)
        }
    }};
}
pub(crate) use event_data_store_from;

/// `EventDataStoreSummary` from `ListEventDataStores`.
pub fn event_data_store_summary(s: &ct::EventDataStore) -> EventDataStoreSummary {
    EventDataStoreSummary {
        arn: s.event_data_store_arn().unwrap_or_default().to_owned(),
        name: s.name().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_selector_round_trip() {
        let s = EventSelector {
            read_write_type: ReadWriteType::WriteOnly,
            include_management_events: false,
            data_resources: vec![DataResource {
                type_: "AWS::S3::Object".into(),
                values: vec!["arn:aws:s3:::bucket/".into()],
            }],
            exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
        };
        assert_eq!(event_selector_from_sdk(&event_selector_to_sdk(&s)), s);
    }

    #[test]
    fn basic_selector_defaults_when_members_absent() {
        let s = event_selector_from_sdk(&ct::EventSelector::builder().build());
        assert_eq!(s.read_write_type, ReadWriteType::All);
        assert!(s.include_management_events);
    }

    #[test]
    fn advanced_selector_round_trip_omits_empty_operators() {
        let s = AdvancedEventSelector {
            name: Some("mgmt".into()),
            field_selectors: vec![AdvancedFieldSelector {
                field: "eventCategory".into(),
                equals: vec!["Management".into()],
                not_starts_with: vec!["x".into()],
                ..Default::default()
            }],
        };
        let sdk = advanced_selector_to_sdk(&s).unwrap();
        assert!(sdk.field_selectors()[0].ends_with.is_none());
        assert_eq!(advanced_selector_from_sdk(&sdk), s);
    }

    #[test]
    fn tags_round_trip() {
        let tags = BTreeMap::from([("a".into(), "1".into()), ("b".into(), String::new())]);
        assert_eq!(tags_from_sdk(&tags_to_sdk(&tags).unwrap()), tags);
    }

    #[test]
    fn arn_region_parses_cloudtrail_arns() {
        assert_eq!(
            arn_region("arn:aws:cloudtrail:eu-west-1:111111111111:trail/t"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("not-an-arn"), None);
    }

    #[test]
    fn unknown_status_is_kept() {
        let s = ct::EventDataStoreStatus::from("FROZEN");
        assert_eq!(
            eds_status(Some(&s)),
            EventDataStoreStatus::Other("FROZEN".into())
        );
    }

    #[test]
    fn insight_selector_round_trip_keeps_categories() {
        let s = InsightSelector {
            insight_type: InsightType::ApiErrorRateInsight,
            event_categories: vec![SourceEventCategory::Data, SourceEventCategory::Management],
        };
        let sdk = insight_to_sdk(&s);
        assert_eq!(sdk.event_categories().len(), 2);
        assert_eq!(insight_from_sdk(&sdk), Some(s));
        // None declared: the member is left out (AWS's default, management events).
        let default = InsightSelector {
            insight_type: InsightType::ApiCallRateInsight,
            event_categories: vec![],
        };
        assert!(insight_to_sdk(&default).event_categories.is_none());
    }

    #[test]
    fn insights_read_canonical_and_unknown_values_dropped() {
        let call = ct::InsightSelector::builder()
            .insight_type(ct::InsightType::ApiCallRateInsight)
            .event_categories(ct::SourceEventCategory::Data)
            .event_categories(ct::SourceEventCategory::from("NetworkActivity"))
            .event_categories(ct::SourceEventCategory::Management)
            .build();
        let error = ct::InsightSelector::builder()
            .insight_type(ct::InsightType::ApiErrorRateInsight)
            .build();
        let unknown_type = ct::InsightSelector::builder()
            .insight_type(ct::InsightType::from("ApiLatencyInsight"))
            .build();
        let only_unknown_categories = ct::InsightSelector::builder()
            .insight_type(ct::InsightType::ApiErrorRateInsight)
            .event_categories(ct::SourceEventCategory::from("NetworkActivity"))
            .build();
        let got = insights_from_sdk(
            &[error.clone(), unknown_type, call],
            Some("arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/dest"),
        );
        assert_eq!(
            got.selectors,
            [
                InsightSelector {
                    insight_type: InsightType::ApiCallRateInsight,
                    event_categories: vec![
                        SourceEventCategory::Management,
                        SourceEventCategory::Data
                    ],
                },
                InsightSelector {
                    insight_type: InsightType::ApiErrorRateInsight,
                    event_categories: vec![SourceEventCategory::Management],
                },
            ]
        );
        assert!(got.destination.is_some());
        assert_eq!(insight_from_sdk(&only_unknown_categories), None);
        assert_eq!(insights_from_sdk(&[error], Some("")).destination, None);
    }

    #[test]
    fn federation_status_values() {
        assert_eq!(federation_status(None), FederationStatus::Disabled);
        assert_eq!(
            federation_status(Some(&ct::FederationStatus::Enabling)),
            FederationStatus::Enabling
        );
        assert_eq!(
            federation_status(Some(&ct::FederationStatus::from("PAUSED"))),
            FederationStatus::Other("PAUSED".into())
        );
    }

    #[test]
    fn event_configuration_members_round_trip() {
        let keys = ContextKeySelector {
            type_: ContextKeyType::RequestContext,
            equals: vec!["aws:PrincipalArn".into()],
        };
        let sdk = context_key_selector_to_sdk(&keys).unwrap();
        assert_eq!(sdk.r#type(), &ct::Type::RequestContext);
        assert_eq!(context_key_selector_from_sdk(&sdk), Some(keys));
        let unknown = ct::ContextKeySelector::builder()
            .r#type(ct::Type::from("BodyContext"))
            .equals("x")
            .build()
            .unwrap();
        assert_eq!(context_key_selector_from_sdk(&unknown), None);

        let aggregation = AggregationConfiguration {
            templates: vec![AggregationTemplate::UserActions],
            event_category: AggregationEventCategory::Data,
        };
        let sdk = aggregation_to_sdk(&aggregation).unwrap();
        assert_eq!(sdk.templates(), [ct::Template::UserActions]);
        assert_eq!(aggregation_from_sdk(&sdk), Some(aggregation));
        let unknown_only = ct::AggregationConfiguration::builder()
            .templates(ct::Template::from("NEW_TEMPLATE"))
            .event_category(ct::EventCategoryAggregation::Data)
            .build()
            .unwrap();
        assert_eq!(aggregation_from_sdk(&unknown_only), None);

        for m in [MaxEventSize::Standard, MaxEventSize::Large] {
            assert_eq!(
                max_event_size_from_sdk(Some(&max_event_size_to_sdk(m))),
                Some(m)
            );
        }
        assert_eq!(
            max_event_size_from_sdk(Some(&ct::MaxEventSize::from("Huge"))),
            None
        );
    }

    #[test]
    fn trail_recursive_logging_defaults_on() {
        assert!(trail(&ct::Trail::builder().build()).recursive_logging);
        assert!(!trail(&ct::Trail::builder().recursive_logging(false).build()).recursive_logging);
    }

    #[test]
    fn organization_feature_set() {
        let o = org::Organization::builder()
            .id("o-exampleorgid")
            .feature_set(org::OrganizationFeatureSet::ConsolidatedBilling)
            .master_account_id("111111111111")
            .build();
        let o = organization(&o);
        assert!(!o.all_features);
        assert_eq!(o.management_account_id, "111111111111");
    }
}
