//! `authorized_user` credentials (gcloud ADC): the refresh-token grant.

use std::sync::Arc;

use async_trait::async_trait;

use super::cache::Fetch;
use super::credentials_file::AuthorizedUser;
use super::oauth::{exchange, form_post};
use super::{AccessToken, AuthError};
use crate::http::Transport;

pub(crate) struct User {
    creds: AuthorizedUser,
    transport: Arc<Transport>,
}

impl User {
    pub(crate) fn new(creds: AuthorizedUser, transport: Arc<Transport>) -> Self {
        User { creds, transport }
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizedUser")
            .field("client_id", &self.creds.client_id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Fetch for User {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let c = &self.creds;
        let req = form_post(
            &c.token_uri,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &c.refresh_token),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        );
        exchange(&self.transport, "authorized_user token refresh", req).await
    }
}
