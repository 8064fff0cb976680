//! Serving connections: the accept loop, then per connection HTTP/1.1 or HTTP/2, its header
//! read, idle and write timeouts (one watchdog, `idle.rs`; the counts, `outbound.rs`), and the service that hands each
//! request to the server and meters its response.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::FutureExt;
use http::{Request, Response};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::auth::filter::PeerIdentity;
use crate::response::Body;
use crate::server::http2::{Socket, Streams};
use crate::server::idle::{watchdog, Expired};
use crate::server::outbound::{Busy, Metered, Outbound};
use crate::server::Server;
use crate::status::Status;

/// What a connection's service answers with.
type ServiceFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<Response<Metered>, Infallible>> + Send>>;

/// Concurrent requests (watches, mostly) on one HTTP/2 connection: Go's `net/http2` default,
/// which kube-apiserver serves with.
const MAX_STREAMS_PER_CONNECTION: u32 = 250;

impl Server {
    /// Binds `addr` and serves until `shutdown` completes.
    pub async fn serve(
        self,
        addr: SocketAddr,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_listener(listener, shutdown).await
    }

    /// Serves on an already bound listener until `shutdown` completes.
    pub async fn serve_listener(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let addr = listener.local_addr()?;
        let scheme = if self.is_tls() { "https" } else { "http" };
        tracing::info!(
            "serving on {scheme}://{addr}, store {}, authorization {}",
            self.state.registry.store.describe(),
            self.state.authorization
        );
        if let Some(warning) = self.state.allow_all {
            tracing::warn!("{warning}");
        }
        crate::server::accept::raise_open_files_limit();
        self.state.start_compaction();
        self.state.start_controllers();
        if crate::builtin::namespace::served(&self.state.registry) {
            if let Err(e) = crate::builtin::namespace::bootstrap(&self.state.registry).await {
                tracing::warn!(error = %e, "creating the system namespaces failed");
            }
        }
        let mut shutdown = std::pin::pin!(shutdown);
        let mut backoff = crate::server::accept::Backoff::default();
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => {
                        backoff.succeeded();
                        pair
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        let pause = backoff.failed(&e);
                        tokio::select! {
                            () = tokio::time::sleep(pause) => continue,
                            () = &mut shutdown => {
                                self.shut_down(addr);
                                return Ok(());
                            }
                        }
                    }
                },
                () = &mut shutdown => {
                    self.shut_down(addr);
                    return Ok(());
                }
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            #[cfg(feature = "tls")]
            if let Some(tls) = self.state.tls.clone() {
                let handshake = self.state.limits.handshake_timeout;
                tokio::spawn(async move {
                    let stream =
                        match tokio::time::timeout(handshake, tls.acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "TLS handshake timed out");
                                return;
                            }
                        };
                    let identity = tls.identify(stream.get_ref().1);
                    server
                        .connection(stream, identity.map(Arc::new), peer)
                        .await;
                });
                continue;
            }
            tokio::spawn(server.connection(stream, None, peer));
        }
    }

    /// Stops accepting on `addr`. Connections still open keep being served until the process
    /// exits: their probes now fail `/readyz`.
    fn shut_down(&self, addr: SocketAddr) {
        self.state.health.shut_down();
        tracing::info!("shutting down: no longer accepting connections on {addr}");
    }

    /// Whether connections are served over TLS.
    fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.state.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }

    /// Serves the requests of one connection: HTTP/1.1, or HTTP/2 when the client opens with its
    /// preface (after ALPN over TLS, or with prior knowledge in clear text).
    ///
    /// The identity is shared (`Arc`): the connection's task holds it for as long as the
    /// connection lives (each watcher's, say), and a user's identity is a few hundred bytes.
    async fn connection<S>(self, stream: S, identity: Option<Arc<PeerIdentity>>, peer: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        // The watchdog reads its timeouts where they are, rather than the task keeping copies.
        let state = self.state.clone();
        let outbound = Outbound::new(
            self.state.write_budget.clone(),
            self.state.limits.max_connection_write_buffer,
        );
        let writes = outbound.clone();
        let served = async move {
            let socket = Socket::open(stream).await?;
            if socket.is_http2() {
                // Boxed: an HTTP/2 connection's state is several times an HTTP/1.1 one's, and
                // every HTTP/1.1 connection (each watcher, say) would otherwise carry its size.
                Box::pin(self.serve_http2(socket, identity, outbound)).await
            } else {
                let service = self.service_fn(identity, outbound, None);
                hyper::server::conn::http1::Builder::new()
                    // The watchdog keeps the header read timeout, with one timer per connection.
                    .header_read_timeout(None)
                    .serve_connection(TokioIo::new(socket), service)
                    .await
                    .map_err(crate::BoxError::from)
            }
        };
        tokio::select! {
            biased;
            served = served => if let Err(e) = served {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            },
            expired = watchdog(&writes, &state.limits) => match expired {
                Expired::Idle => tracing::debug!(
                    %peer,
                    "no request head within the header read timeout: closed"
                ),
                Expired::Stalled(pending) => tracing::info!(
                    %peer,
                    pending,
                    "the client took no response bytes within the write timeout: closed"
                ),
            }
        }
    }

    /// Serves an HTTP/2 connection, its watch streams in this task (see [`Streams`]).
    async fn serve_http2<S>(
        self,
        socket: Socket<S>,
        identity: Option<Arc<PeerIdentity>>,
        outbound: Outbound,
    ) -> Result<(), crate::BoxError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (streams, local_streams) = Streams::new();
        let service = self.service_fn(identity, outbound, Some(streams.clone()));
        let connection = hyper::server::conn::http2::Builder::new(streams)
            .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
            .serve_connection(TokioIo::new(socket), service);
        tokio::select! {
            biased;
            served = connection => served.map_err(crate::BoxError::from),
            () = local_streams.run() => Ok(()),
        }
    }

    /// The hyper service of one connection.
    fn service_fn(
        self,
        identity: Option<Arc<PeerIdentity>>,
        outbound: Outbound,
        streams: Option<Streams>,
    ) -> impl hyper::service::Service<
        Request<hyper::body::Incoming>,
        Response = Response<Metered>,
        Error = Infallible,
        Future = ServiceFuture,
    > + Clone {
        hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            if let Some(streams) = &streams {
                streams.next(&request);
            }
            let busy = Busy::new(&outbound);
            let mut request =
                request.map(|body| body.map_err(|e| -> crate::BoxError { Box::new(e) }).boxed());
            if let Some(identity) = &identity {
                request
                    .extensions_mut()
                    .insert(PeerIdentity::clone(identity));
            }
            if streams.is_some() {
                // For the list gate (`State::enter_list`), which refuses a list before it is
                // made on a connection whose buffer is full: what concurrent streams can do. An
                // HTTP/1.1 connection answers one request at a time, and what it answers is
                // still checked when it is made (`Outbound::meter`); it is spared the
                // allocation of the extensions.
                request.extensions_mut().insert(outbound.clone());
            }
            let outbound = outbound.clone();
            if let Some(status) = missing_host(&request) {
                let response = metered(status.into_response(), false, &outbound, busy);
                return Box::pin(std::future::ready(Ok(response))) as ServiceFuture;
            }
            // A write's answer is never replaced by a 429: the write is done, and a retry would
            // find it done (409). Its size is bounded by the body it answers.
            let mutating = crate::server::limits::is_mutating(request.method());
            // Boxed, so that a connection holds the request's state only while it is answered:
            // hyper keeps room for its service's future for as long as the connection lives
            // (each idle watcher's, say). A combinator rather than an async block, whose future
            // would carry the request again beside the one it awaits: the future is freed when
            // the answer starts, and a larger one leaves larger holes between the allocations
            // that live on (an idle watcher's RSS, docs/performance.md).
            Box::pin(
                self.respond(request)
                    .map(move |response| Ok(metered(response, mutating, &outbound, busy))),
            ) as ServiceFuture
        })
    }
}

/// `response` counted against its connection's bounds, or the 429 that replaces it (a read's
/// answer only), its end ending the request `busy` keeps.
fn metered(
    response: Response<Body>,
    mutating: bool,
    outbound: &Outbound,
    busy: Busy,
) -> Response<Metered> {
    let (parts, body) = response.into_parts();
    let metered = if mutating {
        Ok(outbound.count(body))
    } else {
        outbound.meter(body)
    };
    let response = match metered {
        Ok(body) => Response::from_parts(parts, body),
        Err(_refused) => {
            let refusal = crate::server::outbound::refusal().into_response();
            let (parts, body) = refusal.into_parts();
            Response::from_parts(parts, outbound.count(body))
        }
    };
    response.map(|body| busy.answer(body))
}

/// RFC 9112 section 3.2: an HTTP/1.1 request without `Host` is a 400. HTTP/1.0 may omit it,
/// and HTTP/2 carries `:authority` instead.
fn missing_host(request: &Request<Body>) -> Option<Status> {
    let missing = request.version() == http::Version::HTTP_11
        && !request.headers().contains_key(http::header::HOST);
    missing.then(|| Status::bad_request("missing required Host header"))
}
