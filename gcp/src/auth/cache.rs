//! Token caching: refresh ~5 minutes before expiry, one refresh at a time.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::{AccessToken, AuthError, TokenSource};

/// Refresh this long before expiry so a token never expires mid-request.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A flow that obtains a fresh token (no caching of its own).
#[async_trait]
pub(crate) trait Fetch: Send + Sync + fmt::Debug {
    async fn fetch(&self) -> Result<AccessToken, AuthError>;
}

/// Caches a [`Fetch`]; the mutex makes concurrent callers share a single refresh.
pub(crate) struct Cached<F> {
    fetch: F,
    current: Mutex<Option<AccessToken>>,
}

impl<F: Fetch> Cached<F> {
    pub(crate) fn new(fetch: F) -> Self {
        Cached {
            fetch,
            current: Mutex::new(None),
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Cached<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cached")
            .field("fetch", &self.fetch)
            .finish_non_exhaustive()
    }
}

fn fresh(token: &AccessToken) -> bool {
    token
        .expires_at
        .is_none_or(|at| Instant::now() + REFRESH_MARGIN < at)
}

#[async_trait]
impl<F: Fetch> TokenSource for Cached<F> {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref().filter(|t| fresh(t)) {
            return Ok(t.clone());
        }
        let t = self.fetch.fetch().await?;
        tracing::debug!(flow = ?self.fetch, "obtained access token");
        *current = Some(t.clone());
        Ok(t)
    }
}

/// A fixed token (the provider's `access_token`): never refreshed.
pub(crate) struct Static(pub(crate) AccessToken);

impl fmt::Debug for Static {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken")
    }
}

#[async_trait]
impl TokenSource for Static {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicU32>,
        lifetime: Duration,
    }

    #[async_trait]
    impl Fetch for Counting {
        async fn fetch(&self) -> Result<AccessToken, AuthError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(AccessToken::new(
                format!("t{n}"),
                Some(Instant::now() + self.lifetime),
            ))
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::new(Cached::new(Counting {
            calls: calls.clone(),
            lifetime: Duration::from_secs(3600),
        }));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move { c.token().await.unwrap() })
            })
            .collect();
        for h in handles {
            assert_eq!(h.await.unwrap().secret(), "t0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_tokens_near_expiry() {
        let calls = Arc::new(AtomicU32::new(0));
        // Lifetime inside the refresh margin: every call must fetch anew.
        let c = Cached::new(Counting {
            calls: calls.clone(),
            lifetime: Duration::from_secs(60),
        });
        assert_eq!(c.token().await.unwrap().secret(), "t0");
        assert_eq!(c.token().await.unwrap().secret(), "t1");
    }
}
