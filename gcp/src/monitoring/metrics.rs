//! Monitoring v3 `projects.timeSeries.list` (typed query and response) and
//! `projects.metricDescriptors` create/get/delete.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::Error;

/// One `timeSeries.list` request (single aggregation; `view=FULL`).
#[derive(Debug, Clone)]
pub struct TimeSeriesQuery {
    pub filter: String,
    pub start: SystemTime,
    pub end: SystemTime,
    /// At least 60 s whenever an aligner is set (the API's rule).
    pub alignment_period: Duration,
    pub per_series_aligner: String,
    pub cross_series_reducer: Option<String>,
    pub group_by_fields: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimeSeries {
    pub metric: Labeled,
    pub resource: Labeled,
    pub metric_kind: String,
    pub value_type: String,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Labeled {
    #[serde(rename = "type")]
    pub kind: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Point {
    pub interval: TimeInterval,
    pub value: TypedValue,
}

/// A point's interval as RFC 3339 timestamps (what identifies one aligned
/// point across series).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimeInterval {
    pub start_time: String,
    pub end_time: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TypedValue {
    /// int64 values are JSON strings.
    pub int64_value: Option<String>,
    pub double_value: Option<f64>,
    pub distribution_value: Option<DistributionValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DistributionValue {
    pub count: Option<String>,
    pub mean: Option<f64>,
    pub bucket_options: BucketOptions,
    /// int64 counts as JSON strings; trailing empty buckets may be left out.
    pub bucket_counts: Vec<String>,
}

/// Exactly one of the three layouts is set (Monitoring's `BucketOptions`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BucketOptions {
    pub linear_buckets: Option<LinearBuckets>,
    pub exponential_buckets: Option<ExponentialBuckets>,
    pub explicit_buckets: Option<ExplicitBuckets>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinearBuckets {
    pub num_finite_buckets: i64,
    pub width: f64,
    pub offset: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExponentialBuckets {
    pub num_finite_buckets: i64,
    pub growth_factor: f64,
    pub scale: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ExplicitBuckets {
    pub bounds: Vec<f64>,
}

impl TypedValue {
    /// The number this value stands for (a distribution's count).
    pub fn as_f64(&self) -> Option<f64> {
        self.double_value
            .or_else(|| self.int64_value.as_deref().and_then(|s| s.parse().ok()))
            .or_else(|| {
                self.distribution_value
                    .as_ref()
                    .and_then(|d| d.count.as_deref())
                    .and_then(|c| c.parse().ok())
            })
    }
}

impl TimeSeries {
    /// A metric or resource label (`resource.labels.x` / `metric.labels.x` names accepted).
    pub fn label(&self, field: &str) -> Option<&str> {
        if let Some(l) = field.strip_prefix("resource.labels.") {
            return self.resource.labels.get(l).map(String::as_str);
        }
        field
            .strip_prefix("metric.labels.")
            .and_then(|l| self.metric.labels.get(l))
            .map(String::as_str)
    }
}

/// A user-defined metric's descriptor; a custom metric exists (and alert
/// policies may watch it) only once this does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricDescriptor {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(rename = "type")]
    pub metric_type: String,
    /// `GAUGE`, `DELTA`, `CUMULATIVE`.
    pub metric_kind: String,
    /// `DOUBLE`, `INT64`, `BOOL`, `DISTRIBUTION`, ...
    pub value_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    pub labels: Vec<LabelDescriptor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelDescriptor {
    pub key: String,
    /// Absent means `STRING`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Descriptor {
    metadata: DescriptorMetadata,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DescriptorMetadata {
    ingest_delay: Option<String>,
    sample_period: Option<String>,
}

/// When a metric's points exist and become queryable (`metadata` of its descriptor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricTiming {
    /// Points are sampled this often; aligning below it gains nothing. Zero when not advertised.
    pub sample_period: Duration,
    /// Points become queryable this long after the fact. Zero when not advertised.
    pub ingest_delay: Duration,
}

/// A Duration in JSON form (`"60s"`, `"1.5s"`).
fn json_duration(text: Option<&str>) -> Duration {
    text.and_then(|t| t.strip_suffix('s'))
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::ZERO, Duration::from_secs_f64)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ListResponse {
    time_series: Vec<TimeSeries>,
    next_page_token: Option<String>,
}

/// An RFC 3339 timestamp as the API prints it (None when malformed).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(SystemTime::from)
}

fn timestamp(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[derive(Debug, Clone)]
pub struct MetricsClient {
    api: ApiClient,
}

impl MetricsClient {
    pub fn new(api: ApiClient) -> Self {
        MetricsClient { api }
    }

    /// The descriptor's URL; the type holds slashes, so it is sent encoded.
    fn descriptor_url(&self, project: &str, metric_type: &str) -> String {
        let encoded: String =
            url::form_urlencoded::byte_serialize(metric_type.as_bytes()).collect();
        self.api.url(
            Service::Monitoring,
            &format!("v3/projects/{project}/metricDescriptors/{encoded}"),
        )
    }

    pub async fn create_descriptor(
        &self,
        project: &str,
        descriptor: &MetricDescriptor,
    ) -> Result<MetricDescriptor, Error> {
        let url = self.api.url(
            Service::Monitoring,
            &format!("v3/projects/{project}/metricDescriptors"),
        );
        self.api.post(&url, descriptor).await
    }

    pub async fn get_descriptor(
        &self,
        project: &str,
        metric_type: &str,
    ) -> Result<MetricDescriptor, Error> {
        self.api
            .get(&self.descriptor_url(project, metric_type))
            .await
    }

    /// Deletes the metric and all its data.
    pub async fn delete_descriptor(&self, project: &str, metric_type: &str) -> Result<(), Error> {
        self.api
            .delete::<serde_json::Value>(&self.descriptor_url(project, metric_type))
            .await
            .map(drop)
    }

    /// How long after the fact points of `metric_type` become queryable
    /// (`metadata.ingestDelay` of its descriptor; zero when not advertised).
    pub async fn ingest_delay(&self, project: &str, metric_type: &str) -> Result<Duration, Error> {
        Ok(self.timing(project, metric_type).await?.ingest_delay)
    }

    /// The sample period and ingest delay the descriptor of `metric_type` advertises.
    pub async fn timing(&self, project: &str, metric_type: &str) -> Result<MetricTiming, Error> {
        let d: Descriptor = self
            .api
            .get(&self.descriptor_url(project, metric_type))
            .await?;
        Ok(MetricTiming {
            sample_period: json_duration(d.metadata.sample_period.as_deref()),
            ingest_delay: json_duration(d.metadata.ingest_delay.as_deref()),
        })
    }

    /// Every series matching `query`, across pages.
    pub async fn list_time_series(
        &self,
        project: &str,
        query: &TimeSeriesQuery,
    ) -> Result<Vec<TimeSeries>, Error> {
        let url = self.api.url(
            Service::Monitoring,
            &format!("v3/projects/{project}/timeSeries"),
        );
        let start = timestamp(query.start);
        let end = timestamp(query.end);
        // Duration JSON: whole seconds, or a decimal fraction when the period has one.
        let period = format!("{}s", (query.alignment_period.as_millis() as f64) / 1000.0);
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut params: Vec<(&str, &str)> = vec![
                ("filter", &query.filter),
                ("interval.startTime", &start),
                ("interval.endTime", &end),
                ("aggregation.alignmentPeriod", &period),
                ("aggregation.perSeriesAligner", &query.per_series_aligner),
                ("view", "FULL"),
            ];
            if let Some(r) = &query.cross_series_reducer {
                params.push(("aggregation.crossSeriesReducer", r));
            }
            for f in &query.group_by_fields {
                params.push(("aggregation.groupByFields", f));
            }
            if !token.is_empty() {
                params.push(("pageToken", &token));
            }
            let page: ListResponse = self.api.get_query(&url, &params).await?;
            out.extend(page.time_series);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => token = t,
                None => return Ok(out),
            }
        }
    }
}
