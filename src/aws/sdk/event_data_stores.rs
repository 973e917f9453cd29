//! CloudTrail Lake event data store calls (the `CloudTrail` trait forwards here).

use super::SdkAws;
use super::classify;
use super::cloudtrail::{CT, bad_input, ct_err};
use super::convert::{self, created_event_data_store_from, event_data_store_from};
use crate::aws::{AwsResult, EventDataStore, EventDataStoreSettings, EventDataStoreSummary};

impl SdkAws {
    pub(super) async fn eds_list(&self, region: &str) -> AwsResult<Vec<EventDataStoreSummary>> {
        const OP: &str = "ListEventDataStores";
        let client = self.cloudtrail(region);
        self.observed(CT, region, OP, async {
            super::paginate(OP, |token| {
                let client = client.clone();
                async move {
                    if token.is_some() {
                        self.next_page(CT, region, OP).await;
                    }
                    let out = client
                        .list_event_data_stores()
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(ct_err(OP))?;
                    let page = out
                        .event_data_stores()
                        .iter()
                        .map(convert::event_data_store_summary)
                        .collect();
                    Ok((page, out.next_token().map(str::to_owned)))
                }
            })
            .await
        })
        .await
    }

    pub(super) async fn eds_get(
        &self,
        region: &str,
        arn: &str,
    ) -> AwsResult<Option<EventDataStore>> {
        const OP: &str = "GetEventDataStore";
        let result = self
            .observed(CT, region, OP, async {
                let out = self
                    .cloudtrail(region)
                    .get_event_data_store()
                    .event_data_store(arn)
                    .send()
                    .await
                    .map_err(ct_err(OP))?;
                Ok(event_data_store_from!(&out))
            })
            .await;
        match result {
            Ok(store) => Ok(Some(store)),
            Err(e) if classify::is_absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn eds_create(
        &self,
        region: &str,
        s: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore> {
        const OP: &str = "CreateEventDataStore";
        self.observed(CT, region, OP, async {
            // Empty selectors and a zero retention mean "AWS's default": leave them out.
            let selectors = if s.advanced_event_selectors.is_empty() {
                None
            } else {
                Some(
                    convert::advanced_selectors_to_sdk(&s.advanced_event_selectors)
                        .map_err(|m| bad_input(OP, m))?,
                )
            };
            let tags = if s.tags.is_empty() {
                None
            } else {
                Some(convert::tags_to_sdk(&s.tags).map_err(|m| bad_input(OP, m))?)
            };
            let out = self
                .cloudtrail(region)
                .create_event_data_store()
                .name(&s.name)
                .set_advanced_event_selectors(selectors)
                .multi_region_enabled(s.multi_region_enabled)
                .organization_enabled(s.organization_enabled)
                .set_retention_period((s.retention_period > 0).then_some(s.retention_period))
                .termination_protection_enabled(s.termination_protection_enabled)
                .set_kms_key_id(s.kms_key_id.clone())
                .billing_mode(convert::billing_mode_to_sdk(s.billing_mode))
                .start_ingestion(s.start_ingestion)
                .set_tags_list(tags)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(created_event_data_store_from!(&out))
        })
        .await
    }

    pub(super) async fn eds_update(
        &self,
        region: &str,
        arn: &str,
        s: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore> {
        const OP: &str = "UpdateEventDataStore";
        let mut req = self
            .cloudtrail(region)
            .update_event_data_store()
            .event_data_store(arn);
        for field in fields {
            req = match *field {
                // Empty selectors leave the store's as they are (AWS has no "reset to
                // default").
                "AdvancedEventSelectors" if !s.advanced_event_selectors.is_empty() => req
                    .set_advanced_event_selectors(Some(
                        convert::advanced_selectors_to_sdk(&s.advanced_event_selectors)
                            .map_err(|m| bad_input(OP, m))?,
                    )),
                "AdvancedEventSelectors" => req,
                "MultiRegionEnabled" => req.multi_region_enabled(s.multi_region_enabled),
                "RetentionPeriod" => {
                    req.set_retention_period((s.retention_period > 0).then_some(s.retention_period))
                }
                "TerminationProtectionEnabled" => {
                    req.termination_protection_enabled(s.termination_protection_enabled)
                }
                // Can only ever be set, never removed.
                "KmsKeyId" => req.set_kms_key_id(s.kms_key_id.clone()),
                "BillingMode" => req.billing_mode(convert::billing_mode_to_sdk(s.billing_mode)),
                other => {
                    return Err(bad_input(
                        OP,
                        format!("no UpdateEventDataStore field {other}"),
                    ));
                }
            };
        }
        self.observed(CT, region, OP, async {
            let out = req.send().await.map_err(ct_err(OP))?;
            Ok(event_data_store_from!(&out))
        })
        .await
    }

    pub(super) async fn eds_set_organization_enabled(
        &self,
        region: &str,
        arn: &str,
        organization_enabled: bool,
    ) -> AwsResult<EventDataStore> {
        const OP: &str = "UpdateEventDataStore";
        self.observed(CT, region, OP, async {
            let out = self
                .cloudtrail(region)
                .update_event_data_store()
                .event_data_store(arn)
                .organization_enabled(organization_enabled)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(event_data_store_from!(&out))
        })
        .await
    }

    pub(super) async fn eds_set_termination_protection(
        &self,
        region: &str,
        arn: &str,
        enabled: bool,
    ) -> AwsResult<EventDataStore> {
        const OP: &str = "UpdateEventDataStore";
        self.observed(CT, region, OP, async {
            let out = self
                .cloudtrail(region)
                .update_event_data_store()
                .event_data_store(arn)
                .termination_protection_enabled(enabled)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(event_data_store_from!(&out))
        })
        .await
    }

    pub(super) async fn eds_delete(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "DeleteEventDataStore";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .delete_event_data_store()
                .event_data_store(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn eds_restore(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "RestoreEventDataStore";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .restore_event_data_store()
                .event_data_store(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn eds_start_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "StartEventDataStoreIngestion";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .start_event_data_store_ingestion()
                .event_data_store(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn eds_stop_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "StopEventDataStoreIngestion";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .stop_event_data_store_ingestion()
                .event_data_store(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }
}
