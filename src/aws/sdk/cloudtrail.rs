//! `CloudTrail` trail, selector, tag and delegated-admin calls on `aws-sdk-cloudtrail`.
//! Event data stores are in `event_data_stores.rs`, Insights, event configuration,
//! federation and resource policies in `settings.rs`; this file forwards to them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cloudtrail::config::http::HttpResponse;
use aws_sdk_cloudtrail::error::{ProvideErrorMetadata, SdkError};

use super::SdkAws;
use super::classify::{self, Service, from_sdk};
use super::convert::{self, trail_from_write};
use crate::api::selectors::EventSelectors;
use crate::aws::{
    AwsError, AwsResult, CloudTrail, ErrorKind, EventConfiguration, EventDataStore,
    EventDataStoreSettings, EventDataStoreSummary, Insights, Target, Trail, TrailSettings,
    TrailStatus, TrailSummary, trail_update_fields,
};

pub(super) const CT: Service = Service::CloudTrail;

/// Map an SDK error of CloudTrail operation `op` (CloudTrail errors carry no `Reason`).
pub(super) fn ct_err<E>(op: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| from_sdk(CT, op, e, |_| None)
}

/// Our own refusal of input the SDK cannot even serialize (e.g. a tag with no key).
pub(super) fn bad_input(op: &'static str, message: String) -> AwsError {
    AwsError::new(ErrorKind::InvalidInput, op, "InvalidInput", message)
}

/// Send `""` for an unset optional member on UpdateTrail: that is how CloudTrail clears
/// `S3KeyPrefix`, `SnsTopicName`, `KmsKeyId` and the CloudWatch Logs settings.
fn or_clear(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

impl SdkAws {
    /// Region for the account-wide CloudTrail calls (delegated-admin registration):
    /// the configured one, else us-east-1.
    fn default_region(&self) -> String {
        self.base
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_else(|| super::ORGANIZATIONS_REGION.to_owned())
    }
}

#[async_trait]
impl CloudTrail for SdkAws {
    async fn get_trail(&self, region: &str, trail_arn: &str) -> AwsResult<Option<Trail>> {
        const OP: &str = "GetTrail";
        let result = self
            .observed(CT, region, OP, async {
                let out = self
                    .cloudtrail(region)
                    .get_trail()
                    .name(trail_arn)
                    .send()
                    .await
                    .map_err(ct_err(OP))?;
                Ok(out.trail().map(convert::trail))
            })
            .await;
        match result {
            Err(e) if classify::is_absent(&e) => Ok(None),
            other => other,
        }
    }

    async fn list_trails(&self, region: &str) -> AwsResult<Vec<TrailSummary>> {
        const OP: &str = "ListTrails";
        let client = self.cloudtrail(region);
        self.observed(CT, region, OP, async {
            super::paginate(OP, |token| {
                let client = client.clone();
                async move {
                    if token.is_some() {
                        self.next_page(CT, region, OP).await;
                    }
                    let out = client
                        .list_trails()
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(ct_err(OP))?;
                    let page = out.trails().iter().map(convert::trail_summary).collect();
                    Ok((page, out.next_token().map(str::to_owned)))
                }
            })
            .await
        })
        .await
    }

    async fn create_trail(&self, region: &str, settings: &TrailSettings) -> AwsResult<Trail> {
        const OP: &str = "CreateTrail";
        self.observed(CT, region, OP, async {
            let tags = if settings.tags.is_empty() {
                None
            } else {
                Some(convert::tags_to_sdk(&settings.tags).map_err(|m| bad_input(OP, m))?)
            };
            let out = self
                .cloudtrail(region)
                .create_trail()
                .name(&settings.name)
                .s3_bucket_name(&settings.s3_bucket_name)
                .set_s3_key_prefix(settings.s3_key_prefix.clone())
                .set_sns_topic_name(settings.sns_topic_name.clone())
                .set_kms_key_id(settings.kms_key_id.clone())
                .set_cloud_watch_logs_log_group_arn(settings.cloud_watch_logs_log_group_arn.clone())
                .set_cloud_watch_logs_role_arn(settings.cloud_watch_logs_role_arn.clone())
                .is_multi_region_trail(settings.is_multi_region_trail)
                .include_global_service_events(settings.include_global_service_events)
                .enable_log_file_validation(settings.enable_log_file_validation)
                .is_organization_trail(settings.is_organization_trail)
                .set_recursive_logging(settings.recursive_logging)
                .set_tags_list(tags)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(trail_from_write!(&out, region))
        })
        .await
    }

    async fn update_trail(
        &self,
        region: &str,
        trail_arn: &str,
        settings: &TrailSettings,
        fields: &[&'static str],
    ) -> AwsResult<Trail> {
        const OP: &str = "UpdateTrail";
        let x = settings;
        let mut req = self.cloudtrail(region).update_trail().name(trail_arn);
        for field in trail_update_fields(fields) {
            req = match field {
                "S3BucketName" => req.s3_bucket_name(&x.s3_bucket_name),
                "S3KeyPrefix" => req.s3_key_prefix(or_clear(&x.s3_key_prefix)),
                "SnsTopicName" => req.sns_topic_name(or_clear(&x.sns_topic_name)),
                "KmsKeyId" => req.kms_key_id(or_clear(&x.kms_key_id)),
                "CloudWatchLogsLogGroupArn" => {
                    req.cloud_watch_logs_log_group_arn(or_clear(&x.cloud_watch_logs_log_group_arn))
                }
                "CloudWatchLogsRoleArn" => {
                    req.cloud_watch_logs_role_arn(or_clear(&x.cloud_watch_logs_role_arn))
                }
                "IsMultiRegionTrail" => req.is_multi_region_trail(x.is_multi_region_trail),
                "IncludeGlobalServiceEvents" => {
                    req.include_global_service_events(x.include_global_service_events)
                }
                "EnableLogFileValidation" => {
                    req.enable_log_file_validation(x.enable_log_file_validation)
                }
                // Unset: not sent, AWS keeps what it has.
                "RecursiveLogging" => req.set_recursive_logging(x.recursive_logging),
                other => return Err(bad_input(OP, format!("no UpdateTrail field {other}"))),
            };
        }
        self.observed(CT, region, OP, async {
            let out = req.send().await.map_err(ct_err(OP))?;
            Ok(trail_from_write!(&out, region))
        })
        .await
    }

    async fn set_organization_trail(
        &self,
        region: &str,
        trail_arn: &str,
        is_organization_trail: bool,
    ) -> AwsResult<Trail> {
        const OP: &str = "UpdateTrail";
        self.observed(CT, region, OP, async {
            let out = self
                .cloudtrail(region)
                .update_trail()
                .name(trail_arn)
                .is_organization_trail(is_organization_trail)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(trail_from_write!(&out, region))
        })
        .await
    }

    async fn delete_trail(&self, region: &str, trail_arn: &str) -> AwsResult<()> {
        const OP: &str = "DeleteTrail";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .delete_trail()
                .name(trail_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn get_trail_status(&self, region: &str, trail_arn: &str) -> AwsResult<TrailStatus> {
        const OP: &str = "GetTrailStatus";
        self.observed(CT, region, OP, async {
            let out = self
                .cloudtrail(region)
                .get_trail_status()
                .name(trail_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(TrailStatus {
                is_logging: out.is_logging().unwrap_or(false),
            })
        })
        .await
    }

    async fn start_logging(&self, region: &str, trail_arn: &str) -> AwsResult<()> {
        const OP: &str = "StartLogging";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .start_logging()
                .name(trail_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn stop_logging(&self, region: &str, trail_arn: &str) -> AwsResult<()> {
        const OP: &str = "StopLogging";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .stop_logging()
                .name(trail_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn get_event_selectors(
        &self,
        region: &str,
        trail_arn: &str,
    ) -> AwsResult<EventSelectors> {
        const OP: &str = "GetEventSelectors";
        self.observed(CT, region, OP, async {
            let out = self
                .cloudtrail(region)
                .get_event_selectors()
                .trail_name(trail_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            // AWS answers with one kind or the other, never both.
            if !out.advanced_event_selectors().is_empty() {
                Ok(EventSelectors::Advanced(
                    out.advanced_event_selectors()
                        .iter()
                        .map(convert::advanced_selector_from_sdk)
                        .collect(),
                ))
            } else {
                Ok(EventSelectors::Basic(
                    out.event_selectors()
                        .iter()
                        .map(convert::event_selector_from_sdk)
                        .collect(),
                ))
            }
        })
        .await
    }

    async fn put_event_selectors(
        &self,
        region: &str,
        trail_arn: &str,
        selectors: &EventSelectors,
    ) -> AwsResult<()> {
        const OP: &str = "PutEventSelectors";
        self.observed(CT, region, OP, async {
            let call = self
                .cloudtrail(region)
                .put_event_selectors()
                .trail_name(trail_arn);
            let call = match selectors {
                EventSelectors::Basic(s) => call.set_event_selectors(Some(
                    s.iter().map(convert::event_selector_to_sdk).collect(),
                )),
                EventSelectors::Advanced(s) => call.set_advanced_event_selectors(Some(
                    convert::advanced_selectors_to_sdk(s).map_err(|m| bad_input(OP, m))?,
                )),
            };
            call.send().await.map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn get_insight_selectors(&self, region: &str, target: Target<'_>) -> AwsResult<Insights> {
        self.insights_get(region, target).await
    }

    async fn put_insight_selectors(
        &self,
        region: &str,
        target: Target<'_>,
        insights: &Insights,
    ) -> AwsResult<()> {
        self.insights_put(region, target, insights).await
    }

    async fn get_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
    ) -> AwsResult<EventConfiguration> {
        self.event_configuration_get(region, target).await
    }

    async fn put_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
        configuration: &EventConfiguration,
    ) -> AwsResult<()> {
        self.event_configuration_put(region, target, configuration)
            .await
    }

    async fn enable_federation(&self, region: &str, arn: &str, role_arn: &str) -> AwsResult<()> {
        self.federation_enable(region, arn, role_arn).await
    }

    async fn disable_federation(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.federation_disable(region, arn).await
    }

    async fn get_resource_policy(&self, region: &str, arn: &str) -> AwsResult<Option<String>> {
        self.resource_policy_get(region, arn).await
    }

    async fn put_resource_policy(&self, region: &str, arn: &str, policy: &str) -> AwsResult<()> {
        self.resource_policy_put(region, arn, policy).await
    }

    async fn delete_resource_policy(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.resource_policy_delete(region, arn).await
    }

    async fn list_tags(
        &self,
        region: &str,
        resource_arn: &str,
    ) -> AwsResult<BTreeMap<String, String>> {
        const OP: &str = "ListTags";
        let client = self.cloudtrail(region);
        self.observed(CT, region, OP, async {
            let pages = super::paginate(OP, |token| {
                let client = client.clone();
                async move {
                    if token.is_some() {
                        self.next_page(CT, region, OP).await;
                    }
                    let out = client
                        .list_tags()
                        .resource_id_list(resource_arn)
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(ct_err(OP))?;
                    let page: Vec<_> = out
                        .resource_tag_list()
                        .iter()
                        .filter(|r| r.resource_id().is_none_or(|id| id == resource_arn))
                        .flat_map(|r| r.tags_list().to_vec())
                        .collect();
                    Ok((page, out.next_token().map(str::to_owned)))
                }
            })
            .await?;
            Ok(convert::tags_from_sdk(&pages))
        })
        .await
    }

    async fn add_tags(
        &self,
        region: &str,
        resource_arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> AwsResult<()> {
        const OP: &str = "AddTags";
        if tags.is_empty() {
            return Ok(());
        }
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .add_tags()
                .resource_id(resource_arn)
                .set_tags_list(Some(
                    convert::tags_to_sdk(tags).map_err(|m| bad_input(OP, m))?,
                ))
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn remove_tags(
        &self,
        region: &str,
        resource_arn: &str,
        keys: &[String],
    ) -> AwsResult<()> {
        const OP: &str = "RemoveTags";
        if keys.is_empty() {
            return Ok(());
        }
        self.observed(CT, region, OP, async {
            let tags = keys
                .iter()
                .map(|k| {
                    aws_sdk_cloudtrail::types::Tag::builder()
                        .key(k)
                        .build()
                        .map_err(|e| bad_input(OP, e.to_string()))
                })
                .collect::<AwsResult<Vec<_>>>()?;
            self.cloudtrail(region)
                .remove_tags()
                .resource_id(resource_arn)
                .set_tags_list(Some(tags))
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn list_event_data_stores(&self, region: &str) -> AwsResult<Vec<EventDataStoreSummary>> {
        self.eds_list(region).await
    }

    async fn get_event_data_store(
        &self,
        region: &str,
        arn: &str,
    ) -> AwsResult<Option<EventDataStore>> {
        self.eds_get(region, arn).await
    }

    async fn create_event_data_store(
        &self,
        region: &str,
        settings: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore> {
        self.eds_create(region, settings).await
    }

    async fn update_event_data_store(
        &self,
        region: &str,
        arn: &str,
        settings: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore> {
        self.eds_update(region, arn, settings, fields).await
    }

    async fn set_event_data_store_organization_enabled(
        &self,
        region: &str,
        arn: &str,
        organization_enabled: bool,
    ) -> AwsResult<EventDataStore> {
        self.eds_set_organization_enabled(region, arn, organization_enabled)
            .await
    }

    async fn set_termination_protection(
        &self,
        region: &str,
        arn: &str,
        enabled: bool,
    ) -> AwsResult<EventDataStore> {
        self.eds_set_termination_protection(region, arn, enabled)
            .await
    }

    async fn delete_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.eds_delete(region, arn).await
    }

    async fn restore_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.eds_restore(region, arn).await
    }

    async fn start_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.eds_start_ingestion(region, arn).await
    }

    async fn stop_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.eds_stop_ingestion(region, arn).await
    }

    async fn register_organization_delegated_admin(
        &self,
        member_account_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "RegisterOrganizationDelegatedAdmin";
        let region = self.default_region();
        self.observed(CT, &region, OP, async {
            self.cloudtrail(&region)
                .register_organization_delegated_admin()
                .member_account_id(member_account_id)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    async fn deregister_organization_delegated_admin(
        &self,
        delegated_admin_account_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "DeregisterOrganizationDelegatedAdmin";
        let region = self.default_region();
        self.observed(CT, &region, OP, async {
            self.cloudtrail(&region)
                .deregister_organization_delegated_admin()
                .delegated_admin_account_id(delegated_admin_account_id)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }
}
