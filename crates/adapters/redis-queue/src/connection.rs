//! One connection type for a standalone Redis and a Redis Cluster, so the
//! queue's commands and scripts are written once.
//!
//! A URL `redis://…` / `rediss://…` is one server. A URL
//! `redis-cluster://[user:password@]host:port[?node=host:port&node=…]`
//! (`rediss-cluster://` for TLS; the form `fred` reads too, so one
//! `REDIS_URL` serves the whole process) is a cluster: the listed nodes are
//! where discovery starts, the cluster's own slot map routes each command to
//! the node owning its key. Every key of a queue carries the queue's hash tag
//! ([`crate::keys`]), so each Lua script runs on one node with all its keys.
//!
//! Why a pool of cluster connections and not one: a cluster connection
//! multiplexes one socket per node, and a blocking `XREADGROUP` would hold up
//! every other command sent to that node on it — the same reason the
//! standalone queue pools its connections (see the crate docs).
//!
//! Deadlines: a standalone connection has a per-command response timeout the
//! queue lengthens for a blocking read; the cluster client's is per client,
//! so here the same per-connection deadline is applied around each command.

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};
use std::time::Duration;

/// Where a URL points: one server or a cluster.
#[derive(Clone)]
pub(crate) enum Target {
    Standalone(Box<redis::Client>),
    Cluster(Box<ClusterClient>),
}

impl Target {
    /// Reads `url` (see the module docs for the two forms).
    pub(crate) fn parse(url: &str) -> RedisResult<Self> {
        match cluster_nodes(url)? {
            Some(nodes) => Ok(Self::Cluster(Box::new(ClusterClient::builder(nodes).build()?))),
            None => Ok(Self::Standalone(Box::new(redis::Client::open(url)?))),
        }
    }

    /// A new connection with `timeout` as its command deadline.
    pub(crate) async fn connect(&self, timeout: Duration) -> RedisResult<RedisConnection> {
        let inner = match self {
            Self::Standalone(client) => {
                let mut conn = client.get_multiplexed_async_connection().await?;
                conn.set_response_timeout(timeout);
                Inner::Standalone(conn)
            }
            Self::Cluster(client) => Inner::Cluster(client.get_async_connection().await?),
        };
        Ok(RedisConnection { inner, timeout })
    }
}

/// The node URLs of a `redis-cluster://` / `rediss-cluster://` URL, or `None` for any other URL.
///
/// # Errors
/// A cluster URL without a host, with a database path (a cluster has only
/// database 0) or with a query parameter other than `node`.
pub(crate) fn cluster_nodes(url: &str) -> RedisResult<Option<Vec<String>>> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("redis-cluster://") {
        ("redis", rest)
    } else if let Some(rest) = url.strip_prefix("rediss-cluster://") {
        ("rediss", rest)
    } else {
        return Ok(None);
    };
    let invalid = |what: &'static str| RedisError::from((ErrorKind::InvalidClientConfig, what));
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    if authority.contains('/') {
        return Err(invalid("a redis-cluster:// URL has no database path (a cluster has database 0 only)"));
    }
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (Some(userinfo), host),
        None => (None, authority),
    };
    if host.is_empty() {
        return Err(invalid("a redis-cluster:// URL needs host:port"));
    }
    let node_url = |host: &str| match userinfo {
        Some(userinfo) => format!("{scheme}://{userinfo}@{host}"),
        None => format!("{scheme}://{host}"),
    };
    let mut nodes = vec![node_url(host)];
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some(("node", node)) if !node.is_empty() => nodes.push(node_url(node)),
            _ => return Err(invalid("a redis-cluster:// URL takes only node=host:port query parameters")),
        }
    }
    Ok(Some(nodes))
}

/// The servers `url` names: the one server of a `redis://` URL, or the
/// listed nodes of a `redis-cluster://` URL (discovery may find more).
///
/// # Errors
/// A malformed cluster URL (see [`RedisConnection::open`]).
pub fn node_urls(url: &str) -> RedisResult<Vec<String>> {
    Ok(cluster_nodes(url)?.unwrap_or_else(|| vec![url.to_owned()]))
}

/// A connection to one server or to a cluster. Commands go through
/// [`redis::AsyncCommands`] and scripts through `invoke_async` as on any
/// `redis` connection. Clones share the underlying sockets.
#[derive(Clone)]
pub struct RedisConnection {
    inner: Inner,
    timeout: Duration,
}

#[derive(Clone)]
enum Inner {
    Standalone(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl RedisConnection {
    /// Connects to `url` (`redis://`, `rediss://`, `redis-cluster://` or
    /// `rediss-cluster://`, see the module docs) with `timeout` as the command deadline.
    ///
    /// # Errors
    /// An unusable URL or a server that does not answer.
    pub async fn open(url: &str, timeout: Duration) -> RedisResult<Self> {
        Target::parse(url)?.connect(timeout).await
    }

    /// The deadline of each following command (lengthened for a blocking read).
    pub fn set_response_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
        if let Inner::Standalone(conn) = &mut self.inner {
            conn.set_response_timeout(timeout);
        }
    }

    /// Whether this connection is to a cluster.
    #[must_use]
    pub fn is_cluster(&self) -> bool {
        matches!(self.inner, Inner::Cluster(_))
    }
}

fn timed_out() -> RedisError {
    RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.inner {
            Inner::Standalone(conn) => conn.req_packed_command(cmd),
            Inner::Cluster(conn) => {
                let timeout = self.timeout;
                Box::pin(async move {
                    tokio::time::timeout(timeout, conn.req_packed_command(cmd)).await.map_err(|_| timed_out())?
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.inner {
            Inner::Standalone(conn) => conn.req_packed_commands(pipeline, offset, count),
            Inner::Cluster(conn) => {
                let timeout = self.timeout;
                Box::pin(async move {
                    tokio::time::timeout(timeout, conn.req_packed_commands(pipeline, offset, count))
                        .await
                        .map_err(|_| timed_out())?
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match &self.inner {
            Inner::Standalone(conn) => conn.get_db(),
            Inner::Cluster(_) => 0,
        }
    }
}

/// Makes the pool's connections: [`Target::connect`] with the command deadline.
pub(crate) struct Connector {
    pub(crate) target: Target,
    pub(crate) timeout: Duration,
}

impl bb8::ManageConnection for Connector {
    type Connection = RedisConnection;
    type Error = RedisError;

    async fn connect(&self) -> Result<Self::Connection, Self::Error> {
        self.target.connect(self.timeout).await
    }

    async fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        let pong: String = redis::cmd("PING").query_async(conn).await?;
        if pong == "PONG" { Ok(()) } else { Err((ErrorKind::Extension, "unexpected PING reply").into()) }
    }

    fn has_broken(&self, _: &mut Self::Connection) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_urls_are_not_clusters() {
        assert_eq!(cluster_nodes("redis://127.0.0.1:6379").unwrap(), None);
        assert_eq!(cluster_nodes("rediss://:pw@redis:6380/2").unwrap(), None);
    }

    #[test]
    fn a_cluster_url_lists_its_first_host_then_each_node() {
        let nodes = cluster_nodes("redis-cluster://127.0.0.1:30001?node=127.0.0.1:30002&node=127.0.0.1:30003").unwrap();
        assert_eq!(nodes.unwrap(), ["redis://127.0.0.1:30001", "redis://127.0.0.1:30002", "redis://127.0.0.1:30003"]);
        assert_eq!(cluster_nodes("redis-cluster://10.0.0.1:6379/").unwrap().unwrap(), ["redis://10.0.0.1:6379"]);
    }

    #[test]
    fn credentials_and_tls_apply_to_every_node() {
        let nodes = cluster_nodes("rediss-cluster://app:s%40cret@a:6379?node=b:6379").unwrap().unwrap();
        assert_eq!(nodes, ["rediss://app:s%40cret@a:6379", "rediss://app:s%40cret@b:6379"]);
    }

    #[test]
    fn malformed_cluster_urls_say_what_is_wrong() {
        for (url, says) in [
            ("redis-cluster://", "host:port"),
            ("redis-cluster://a:1/3", "database"),
            ("redis-cluster://a:1?db=2", "node=host:port"),
            ("redis-cluster://a:1?node=", "node=host:port"),
        ] {
            let err = cluster_nodes(url).unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
        }
    }

    #[test]
    fn cluster_urls_build_a_cluster_client() {
        assert!(matches!(Target::parse("redis-cluster://127.0.0.1:30001").unwrap(), Target::Cluster(_)));
        assert!(matches!(Target::parse("redis://127.0.0.1:6379").unwrap(), Target::Standalone(_)));
    }
}
