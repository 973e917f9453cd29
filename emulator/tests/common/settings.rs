//! Helpers of the tests of the 2025–2026 settings (settings_sdk.rs, lake_settings_sdk.rs):
//! SDK clients for the emulator's keys, an organization with a delegated admin, selectors.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::{Credentials, Region};
use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, AggregationConfiguration, ContextKeySelector,
    DataResource, EventCategoryAggregation, EventSelector, InsightSelector, InsightType,
    ReadWriteType, SourceEventCategory, Template, Type,
};

use super::{Emulator, MANAGEMENT};

pub const HOME: &str = "us-east-1";
pub const BUCKET: &str = "orgtrail-logs";

/// An SDK config for the emulator in `region`, signing with `credentials` (None: requests
/// go unsigned, as the SDK sends AssumeRoleWithWebIdentity).
pub async fn sdk_config(
    emu: &Emulator,
    region: &str,
    credentials: Option<Credentials>,
) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.url)
        .region(Region::new(region.to_string()));
    match credentials {
        Some(c) => loader.credentials_provider(c),
        None => loader.no_credentials(),
    }
    .load()
    .await
}

pub async fn config(emu: &Emulator, key: &str, region: &str) -> SdkConfig {
    let credentials = Credentials::new(key, "secret", None, None, "test");
    sdk_config(emu, region, Some(credentials)).await
}

pub async fn ct(emu: &Emulator, key: &str) -> Client {
    Client::new(&config(emu, key, HOME).await)
}

pub fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

/// Trusted access on and 222222222222 registered as CloudTrail delegated administrator.
pub async fn organization(emu: &Emulator) {
    aws_sdk_organizations::Client::new(&config(emu, MANAGEMENT, HOME).await)
        .enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("trusted access");
    ct(emu, MANAGEMENT)
        .await
        .register_organization_delegated_admin()
        .member_account_id("222222222222")
        .send()
        .await
        .expect("delegated admin");
}

pub fn field(name: &str, value: &str) -> AdvancedFieldSelector {
    AdvancedFieldSelector::builder()
        .field(name)
        .equals(value)
        .build()
        .expect("field")
}

pub fn selector(category: &str) -> AdvancedEventSelector {
    AdvancedEventSelector::builder()
        .field_selectors(field("eventCategory", category))
        .build()
        .expect("selector")
}

pub fn s3_data_events() -> EventSelector {
    EventSelector::builder()
        .read_write_type(ReadWriteType::All)
        .data_resources(
            DataResource::builder()
                .r#type("AWS::S3::Object")
                .values("arn:aws:s3")
                .build(),
        )
        .build()
}

pub fn context(ty: Type, keys: &[&str]) -> ContextKeySelector {
    ContextKeySelector::builder()
        .r#type(ty)
        .set_equals(Some(keys.iter().map(|k| k.to_string()).collect()))
        .build()
        .expect("context key selector")
}

pub fn aggregation(templates: &[Template]) -> AggregationConfiguration {
    AggregationConfiguration::builder()
        .set_templates(Some(templates.to_vec()))
        .event_category(EventCategoryAggregation::Data)
        .build()
        .expect("aggregation")
}

pub async fn store(ct: &Client, name: &str, category: Option<&str>) -> String {
    ct.create_event_data_store()
        .name(name)
        .set_advanced_event_selectors(category.map(|c| vec![selector(c)]))
        .termination_protection_enabled(false)
        .send()
        .await
        .expect("create store")
        .event_data_store_arn
        .expect("arn")
}

/// An organization event data store of the caller's (termination protection as AWS sets it).
pub async fn org_store(ct: &Client, name: &str) -> String {
    ct.create_event_data_store()
        .name(name)
        .organization_enabled(true)
        .send()
        .await
        .expect("org store")
        .event_data_store_arn
        .expect("arn")
}

pub async fn org_trail(emu: &Emulator) -> String {
    ct(emu, MANAGEMENT)
        .await
        .create_trail()
        .name("org-trail")
        .s3_bucket_name(BUCKET)
        .is_organization_trail(true)
        .is_multi_region_trail(true)
        .send()
        .await
        .expect("org trail")
        .trail_arn
        .expect("arn")
}

pub fn insight(ty: InsightType, categories: &[SourceEventCategory]) -> InsightSelector {
    InsightSelector::builder()
        .insight_type(ty)
        .set_event_categories((!categories.is_empty()).then(|| categories.to_vec()))
        .build()
}

pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"query","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:root"]},"Action":["cloudtrail:StartQuery","cloudtrail:GetQueryResults"],"Resource":"*"}]}"#;
