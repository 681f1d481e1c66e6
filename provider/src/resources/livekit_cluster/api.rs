//! Calling Compute from the resource: cancellation, operation waits and
//! turning failures into diagnostics that say what to do.

use std::future::Future;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use gcp_client::operations::{wait_compute, ComputeOperation, OperationError, WaitOptions};
use gcp_client::GcpClient;
use gcp_client::Optional;
use tfplugin::{Diagnostic, OpContext};

/// A call's failure, before it becomes a diagnostic.
pub fn explain(what: &str, err: &gcp_client::Error) -> Diagnostic {
    if let gcp_client::Error::Operation(OperationError::Cancelled { .. }) = err {
        return cancelled(what);
    }
    let codes: Vec<&str> = match err {
        gcp_client::Error::Operation(OperationError::Failed { errors, .. }) => {
            errors.iter().map(|e| e.code.as_str()).collect()
        }
        _ => Vec::new(),
    };
    let advice = if codes
        .iter()
        .any(|c| c.contains("RESOURCE_POOL_EXHAUSTED") || c.contains("STOCKOUT"))
    {
        "The zone has no capacity for this machine type right now: try again later, choose another `machine_type`, or replace the zone in `zones`."
    } else if codes.iter().any(|c| c.contains("QUOTA")) {
        "A quota is exhausted; request more quota for the project/region or lower `node_count`."
    } else {
        match err.api().map(|a| a.http_status) {
            Some(401) => "The credentials were rejected; check the provider's credentials.",
            Some(403) => "The credentials lack a Compute Engine permission (e.g. roles/compute.instanceAdmin.v1 and roles/compute.loadBalancerAdmin), or the API is disabled.",
            Some(404) => "A referenced object (network, image, health check) does not exist; check the names in the configuration.",
            Some(400) => "Google rejected the request; check the configuration values named in the message.",
            Some(429) => "The API is rate limiting requests; retry later.",
            _ => "Google or the connection failed (a 5xx, a timeout or a lost connection); this is usually temporary.",
        }
    };
    Diagnostic::error(format!("Error {what}"), format!("{err}\n\n{advice}"))
}

/// Runs an API call unless Terraform cancels first.
pub async fn call<T>(
    ctx: &OpContext,
    what: &str,
    fut: impl Future<Output = Result<T, gcp_client::Error>>,
) -> Result<T, Diagnostic> {
    tokio::select! {
        () = ctx.cancel.cancelled() => Err(cancelled(what)),
        r = fut => r.map_err(|e| explain(what, &e)),
    }
}

/// The detail of every call that Terraform's stop request ended; the apply folds
/// them into one diagnostic (see `mod.rs`).
pub const CANCELLED: &str = "Cancelled: Terraform asked the provider to stop.";

pub fn cancelled(what: &str) -> Diagnostic {
    Diagnostic::error(format!("Error {what}"), CANCELLED)
}

/// `Ok(None)` for a 404, so a missing child reads as absent.
pub async fn not_found_as_none<T>(
    fut: impl Future<Output = Result<T, gcp_client::Error>>,
) -> Result<Option<T>, gcp_client::Error> {
    fut.await.optional()
}

/// A deadline shared by every wait of one apply (the `timeouts` block).
#[derive(Debug, Clone)]
pub struct Waiter {
    pub client: GcpClient,
    pub ctx: OpContext,
    pub deadline: Instant,
}

impl Waiter {
    pub fn new(client: GcpClient, ctx: OpContext, timeout: Duration) -> Self {
        Waiter {
            client,
            ctx,
            deadline: Instant::now() + timeout,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn options(&self, limit: Option<Duration>) -> WaitOptions {
        let mut opts = WaitOptions::new(
            limit.map_or(self.remaining(), |l| l.min(self.remaining())),
            self.ctx.cancel.clone(),
        );
        opts.poll_interval = POLL;
        opts
    }

    /// Starts a mutation and waits for its operation to finish.
    pub async fn run(
        &self,
        what: &str,
        start: impl Future<Output = Result<ComputeOperation, gcp_client::Error>>,
    ) -> Result<(), Diagnostic> {
        let op = call(&self.ctx, what, start).await?;
        wait_compute(self.client.api(), op, &self.options(None))
            .await
            .map(|_| ())
            .map_err(|e| explain(what, &e))
    }

    /// Starts a create and waits for it; an object that already exists (409,
    /// e.g. from an interrupted apply) is left for the next comparison.
    pub async fn create(
        &self,
        what: &str,
        start: impl Future<Output = Result<ComputeOperation, gcp_client::Error>>,
    ) -> Result<(), Diagnostic> {
        match start_create(&self.ctx, what, start).await? {
            Some(op) => self.run(what, async { Ok(op) }).await,
            None => Ok(()),
        }
    }

    /// Starts a delete and waits for it; already gone (404) is success.
    pub async fn delete(
        &self,
        what: &str,
        start: impl Future<Output = Result<ComputeOperation, gcp_client::Error>>,
    ) -> Result<(), Diagnostic> {
        match call(&self.ctx, what, not_found_as_none(start)).await? {
            Some(op) => self.run(what, async { Ok(op) }).await,
            None => Ok(()),
        }
    }

    /// Like [`Waiter::run`], but an operation still running after `limit` is
    /// not an error (`Ok(false)`): used for graceful stops bounded by the drain timeout.
    pub async fn run_bounded(
        &self,
        what: &str,
        limit: Duration,
        start: impl Future<Output = Result<ComputeOperation, gcp_client::Error>>,
    ) -> Result<bool, Diagnostic> {
        let op = call(&self.ctx, what, start).await?;
        match wait_compute(self.client.api(), op, &self.options(Some(limit))).await {
            Ok(_) => Ok(true),
            Err(gcp_client::Error::Operation(OperationError::Timeout { .. }))
                if !self.remaining().is_zero() =>
            {
                Ok(false)
            }
            Err(e) => Err(explain(what, &e)),
        }
    }
}

/// Starts a create; `Ok(None)` when the object already exists (409), e.g.
/// created by an interrupted earlier apply.
pub async fn start_create(
    ctx: &OpContext,
    what: &str,
    fut: impl Future<Output = Result<ComputeOperation, gcp_client::Error>>,
) -> Result<Option<ComputeOperation>, Diagnostic> {
    // Ctrl-C answers at once, even with inserts in flight (waiting for them kept
    // terraform running past its stop): one that Google accepts anyway carries the
    // cluster label, so the next refresh or apply finds and records it.
    let started = tokio::select! {
        () = ctx.cancel.cancelled() => return Err(cancelled(what)),
        r = fut => r,
    };
    match started {
        Ok(op) => Ok(Some(op)),
        Err(e) if e.api().is_some_and(|a| a.http_status == 409) => Ok(None),
        Err(e) => Err(explain(what, &e)),
    }
}

/// How often waits poll Compute.
const POLL: Duration = Duration::from_millis(500);

impl Waiter {
    /// Polls `check` until it breaks with a value. `Continue(p)` means not
    /// yet; when `limit` (capped by the operation's timeout) has passed, the
    /// last `p` goes to `timed_out` for the error. Cancellation ends the wait.
    pub async fn poll_until<T, P, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        mut check: F,
        timed_out: impl FnOnce(P) -> Diagnostic,
    ) -> Result<T, Diagnostic>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ControlFlow<T, P>, Diagnostic>>,
    {
        let until = Instant::now() + limit.min(self.remaining());
        loop {
            let pending = match check().await? {
                ControlFlow::Break(done) => return Ok(done),
                ControlFlow::Continue(pending) => pending,
            };
            if Instant::now() >= until {
                return Err(timed_out(pending));
            }
            tokio::select! {
                () = self.ctx.cancel.cancelled() => return Err(cancelled(what)),
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// Reads an object that a 409 said exists: one an interrupted apply started
/// creating is invisible until its operation finishes, so poll until found.
pub async fn read_created<T, F, Fut>(w: &Waiter, what: &str, mut get: F) -> Result<T, Diagnostic>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, gcp_client::Error>>,
{
    w.poll_until(
        what,
        w.remaining(),
        || {
            let fut = get();
            async move {
                Ok(match call(&w.ctx, what, not_found_as_none(fut)).await? {
                    Some(found) => ControlFlow::Break(found),
                    None => ControlFlow::Continue(()),
                })
            }
        },
        |()| {
            Diagnostic::error(
                format!("Error {what}"),
                "The object exists (409) but never became readable before the apply timed out.",
            )
        },
    )
    .await
}
