//! The CloudTrail settings added in 2025-2026 (the `CloudTrail` trait forwards here):
//! Insights on trails and stores (with event categories and a destination store), event
//! configuration (`MaxEventSize`, `ContextKeySelectors`, `AggregationConfigurations`), Lake
//! query federation and resource-based policies. Each call is one port call: paced,
//! observed and classified like every other.

use super::SdkAws;
use super::classify;
use super::cloudtrail::{CT, bad_input, ct_err};
use super::convert;
use crate::aws::{AwsResult, EventConfiguration, Insights, Target};

impl SdkAws {
    pub(super) async fn insights_get(
        &self,
        region: &str,
        target: Target<'_>,
    ) -> AwsResult<Insights> {
        const OP: &str = "GetInsightSelectors";
        let result = self
            .observed(CT, region, OP, async {
                let req = self.cloudtrail(region).get_insight_selectors();
                let req = match target {
                    Target::Trail(arn) => req.trail_name(arn),
                    Target::EventDataStore(arn) => req.event_data_store(arn),
                };
                let out = req.send().await.map_err(ct_err(OP))?;
                Ok(convert::insights_from_sdk(
                    out.insight_selectors(),
                    out.insights_destination(),
                ))
            })
            .await;
        match result {
            // AWS's way of saying "Insights is off here".
            Err(e) if classify::is_insights_off(&e) => Ok(Insights::default()),
            other => other,
        }
    }

    pub(super) async fn insights_put(
        &self,
        region: &str,
        target: Target<'_>,
        insights: &Insights,
    ) -> AwsResult<()> {
        const OP: &str = "PutInsightSelectors";
        self.observed(CT, region, OP, async {
            let req = self
                .cloudtrail(region)
                .put_insight_selectors()
                // An empty list is sent as `[]`: that turns Insights off.
                .set_insight_selectors(Some(
                    insights
                        .selectors
                        .iter()
                        .map(convert::insight_to_sdk)
                        .collect(),
                ));
            let req = match target {
                // A trail takes no destination: AWS refuses the combination.
                Target::Trail(arn) => req.trail_name(arn),
                Target::EventDataStore(arn) => req
                    .event_data_store(arn)
                    .set_insights_destination(insights.destination.clone()),
            };
            req.send().await.map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn event_configuration_get(
        &self,
        region: &str,
        target: Target<'_>,
    ) -> AwsResult<EventConfiguration> {
        const OP: &str = "GetEventConfiguration";
        self.observed(CT, region, OP, async {
            let req = self.cloudtrail(region).get_event_configuration();
            let req = match target {
                Target::Trail(arn) => req.trail_name(arn),
                Target::EventDataStore(arn) => req.event_data_store(arn),
            };
            let out = req.send().await.map_err(ct_err(OP))?;
            Ok(convert::event_configuration(&out))
        })
        .await
    }

    pub(super) async fn event_configuration_put(
        &self,
        region: &str,
        target: Target<'_>,
        x: &EventConfiguration,
    ) -> AwsResult<()> {
        const OP: &str = "PutEventConfiguration";
        self.observed(CT, region, OP, async {
            // Each resource takes only its own members (AWS refuses the others): a put
            // replaces the whole configuration, so the lists are always sent, `[]`
            // clearing.
            let req = self.cloudtrail(region).put_event_configuration();
            let req = match target {
                Target::Trail(arn) => req.trail_name(arn).set_aggregation_configurations(Some(
                    x.aggregation_configurations
                        .iter()
                        .map(convert::aggregation_to_sdk)
                        .collect::<Result<_, _>>()
                        .map_err(|m| bad_input(OP, m))?,
                )),
                Target::EventDataStore(arn) => req
                    .event_data_store(arn)
                    .set_max_event_size(x.max_event_size.map(convert::max_event_size_to_sdk))
                    .set_context_key_selectors(Some(
                        x.context_key_selectors
                            .iter()
                            .map(convert::context_key_selector_to_sdk)
                            .collect::<Result<_, _>>()
                            .map_err(|m| bad_input(OP, m))?,
                    )),
            };
            req.send().await.map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn federation_enable(
        &self,
        region: &str,
        arn: &str,
        role_arn: &str,
    ) -> AwsResult<()> {
        const OP: &str = "EnableFederation";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .enable_federation()
                .event_data_store(arn)
                .federation_role_arn(role_arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn federation_disable(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "DisableFederation";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .disable_federation()
                .event_data_store(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn resource_policy_get(
        &self,
        region: &str,
        arn: &str,
    ) -> AwsResult<Option<String>> {
        const OP: &str = "GetResourcePolicy";
        let result = self
            .observed(CT, region, OP, async {
                let out = self
                    .cloudtrail(region)
                    .get_resource_policy()
                    .resource_arn(arn)
                    .send()
                    .await
                    .map_err(ct_err(OP))?;
                // Only the policy put on the resource: an organization store's generated
                // `DelegatedAdminResourcePolicy` is AWS's, not ours to compare.
                Ok(out
                    .resource_policy()
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned))
            })
            .await;
        match result {
            Err(e) if classify::is_no_resource_policy(&e) => Ok(None),
            other => other,
        }
    }

    pub(super) async fn resource_policy_put(
        &self,
        region: &str,
        arn: &str,
        policy: &str,
    ) -> AwsResult<()> {
        const OP: &str = "PutResourcePolicy";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .put_resource_policy()
                .resource_arn(arn)
                .resource_policy(policy)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }

    pub(super) async fn resource_policy_delete(&self, region: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "DeleteResourcePolicy";
        self.observed(CT, region, OP, async {
            self.cloudtrail(region)
                .delete_resource_policy()
                .resource_arn(arn)
                .send()
                .await
                .map_err(ct_err(OP))?;
            Ok(())
        })
        .await
    }
}
