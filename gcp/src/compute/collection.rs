//! One Compute collection (`projects/P/global/firewalls`,
//! `projects/P/zones/Z/instances`, ...) and the calls that every collection
//! answers the same way, so each resource file only names its collection.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::paging::{list_all, with_request_id};
use crate::api::ApiClient;
use crate::operations::ComputeOperation;
use crate::Error;

pub(crate) struct Collection<'a> {
    api: &'a ApiClient,
    url: String,
}

impl<'a> Collection<'a> {
    pub(crate) fn new(api: &'a ApiClient, url: String) -> Self {
        Collection { api, url }
    }

    /// URL of member `name`, or of its custom method `name/verb`.
    pub(crate) fn member_url(&self, name: &str, verb: Option<&str>) -> String {
        match verb {
            Some(v) => format!("{}/{name}/{v}", self.url),
            None => format!("{}/{name}", self.url),
        }
    }

    pub(crate) async fn insert<B: Serialize + Sync>(
        &self,
        body: &B,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.api
            .post(&with_request_id(&self.url, request_id), body)
            .await
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        self.api.get(&self.member_url(name, None)).await
    }

    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        filter: Option<&str>,
    ) -> Result<Vec<T>, Error> {
        list_all(self.api, &self.url, filter).await
    }

    pub(crate) async fn patch<B: Serialize + Sync>(
        &self,
        name: &str,
        body: &B,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = self.member_url(name, None);
        self.api
            .patch(&with_request_id(&url, request_id), body)
            .await
    }

    pub(crate) async fn delete(
        &self,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = self.member_url(name, None);
        self.api.delete(&with_request_id(&url, request_id)).await
    }

    /// A mutating custom method (`POST .../NAME/VERB?requestId=ID`).
    pub(crate) async fn act<B: Serialize + Sync>(
        &self,
        name: &str,
        verb: &str,
        body: &B,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = self.member_url(name, Some(verb));
        self.api
            .post(&with_request_id(&url, request_id), body)
            .await
    }
}
