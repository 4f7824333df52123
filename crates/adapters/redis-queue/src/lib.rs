//! The production job queue: [`JobQueue`](frontdesk_kernel::jobs::JobQueue)
//! and [`JobSource`](frontdesk_kernel::jobs::JobSource) on Redis Streams
//! with a consumer group, built on `redis` + `bb8`.
//!
//! Why Streams: a consumer group gives each entry to one consumer and keeps
//! it in the group's pending list until it is acknowledged, so a worker
//! killed with `kill -9` loses nothing — its entries are taken over with
//! `XAUTOCLAIM` once they have been idle for the visibility timeout.
//! Retries wait in a sorted set scored by due time and are moved back to
//! the stream by a Lua script (atomically, so two workers never promote the
//! same retry twice); spent jobs go to a dead-letter stream until re-driven.
//!
//! Redis only carries the jobs. Their status, attempts, result and error
//! live in the injected [`JobStore`](frontdesk_kernel::jobs::JobStore) (the
//! SQL `jobs` table), which is also the fencing authority: an acknowledgement
//! from a worker whose attempt has since been taken over is ignored.
//!
//! The store is also the source of truth when Redis forgets: after a Redis
//! restarted empty, `reconcile` (run by every worker, one at a time under a
//! `SET NX` lock) re-publishes the jobs the store says are waiting, each at
//! most once (the `enqueued:<job id>` marker decides). A running job's lease
//! is renewed by `extend` (a heartbeat that resets the entry's idle time
//! while it is still pending for its worker), and a job taken over more than
//! [`RedisQueueConfig::max_interruptions`] times is dead as a poison job.
//!
//! Why `bb8` and not one multiplexed connection: a blocking `XREADGROUP`
//! holds its connection for up to [`RedisQueueConfig::block`], and every
//! other command queued behind it on a shared connection would wait too.
//! Each pooled connection is used by one caller at a time; size the pool
//! above the number of concurrent claimers (see [`RedisQueueConfig::pool_size`]).
//!
//! Redis Cluster: a `redis-cluster://host:port?node=host:port&…` URL connects
//! to a cluster (see [`RedisConnection`]). All keys of one queue share the
//! queue name as hash tag, so a queue lives on one node and each script runs
//! there atomically; different queues spread over the cluster's nodes.
//!
//! Key layout, under `{key_prefix}queue:{<queue>}:` (the braces around the
//! queue name are a literal Redis Cluster hash tag, so the scripts' keys
//! share a slot): `stream`, consumer group `workers`, `delayed` (sorted set
//! of job ids by due time in ms), `delayed:jobs` (hash: job id → job JSON),
//! `dead` (stream), `reclaim-cursor`, `reconcile-lock` and `enqueued:<job id>` (see [`keys`]).

mod acks;
mod batch;
mod config;
mod connection;
pub mod keys;
mod queue;
mod scripts;

pub use config::RedisQueueConfig;
pub use connection::{RedisConnection, node_urls};
pub use queue::RedisJobQueue;
