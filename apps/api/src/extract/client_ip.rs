//! The client's address, decided in one place for the lockout, the audit
//! trail and the rate limiter.
//!
//! `X-Forwarded-For` is believed only as far as trusted proxies wrote it.
//! When the socket peer is not in `TRUSTED_PROXIES` (the default: the list
//! is empty), the peer *is* the client and the header is ignored — any
//! client can send one. When the peer is trusted, the header is read from
//! the right: each hop was appended by the proxy to its right, so the first
//! hop that is not itself a trusted proxy is the client. Everything left of
//! it was written by the client and is never used. A hop that is not an
//! address stops the walk at the last address a trusted proxy vouched for.

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap, HeaderName};
use frontdesk_runtime::net::IpCidr;
use std::net::IpAddr;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpCidr>);

impl TrustedProxies {
    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(addr))
    }
}

/// The client address of `req` (see the module docs); `None` only when the peer is unknown.
#[must_use]
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req.app_data::<actix_web::web::Data<TrustedProxies>>().map(|data| data.get_ref());
    let peer = req.peer_addr().map(|addr| addr.ip());
    match trusted {
        Some(trusted) => resolve(peer, req.headers(), trusted),
        None => peer.map(|ip| ip.to_canonical()),
    }
}

/// The client address given the socket peer, the request headers and the trusted proxies.
#[must_use]
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut client = peer?.to_canonical();
    if !trusted.trusts(client) {
        return Some(client);
    }
    // Several header lines are one list, in order.
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        let Some(addr) = parse_hop(hop) else { break };
        client = addr;
        if !trusted.trusts(addr) {
            break;
        }
    }
    Some(client)
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(addr.to_canonical());
    }
    let addr = match hop.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map(|(v6, _)| v6)?,
        None => hop.rsplit_once(':').filter(|(host, _)| !host.contains(':')).map(|(v4, _)| v4)?,
    };
    addr.parse::<IpAddr>().ok().map(|addr| addr.to_canonical())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies(frontdesk_runtime::net::parse_cidr_list(list).unwrap())
    }

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(X_FORWARDED_FOR, HeaderValue::from_str(line).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn client(peer: &str, lines: &[&str], trusted: &str) -> String {
        resolve(Some(ip(peer)), &headers(lines), &proxies(trusted)).unwrap().to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(client("198.51.100.7", &["203.0.113.1"], ""), "198.51.100.7");
        assert_eq!(client("198.51.100.7", &["203.0.113.1"], "10.0.0.0/8"), "198.51.100.7");
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = "10.0.0.0/8";
        // The client forged the first entry; the proxy appended the real address.
        assert_eq!(client("10.0.0.2", &["1.1.1.1, 203.0.113.9"], trusted), "203.0.113.9");
        // Two trusted proxies in a row are skipped.
        assert_eq!(client("10.0.0.2", &["1.1.1.1, 203.0.113.9, 10.0.0.5"], trusted), "203.0.113.9");
        // Several header lines form one list.
        assert_eq!(client("10.0.0.2", &["1.1.1.1", "203.0.113.9, 10.0.0.5"], trusted), "203.0.113.9");
    }

    #[test]
    fn a_trusted_peer_without_a_header_or_with_only_proxies_is_as_far_as_we_can_see() {
        assert_eq!(client("10.0.0.2", &[], "10.0.0.0/8"), "10.0.0.2");
        assert_eq!(client("10.0.0.2", &["10.0.0.9, 10.0.0.5"], "10.0.0.0/8"), "10.0.0.9");
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_vouched_address() {
        assert_eq!(client("10.0.0.2", &["203.0.113.9, not-an-ip, 10.0.0.5"], "10.0.0.0/8"), "10.0.0.5");
        assert_eq!(client("10.0.0.2", &["unknown"], "10.0.0.0/8"), "10.0.0.2");
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let trusted = "10.0.0.0/8, ::1";
        assert_eq!(client("::ffff:10.0.0.2", &["203.0.113.9:4711"], trusted), "203.0.113.9");
        assert_eq!(client("::1", &["[2001:db8::7]:443"], trusted), "2001:db8::7");
        assert_eq!(client("::1", &["2001:db8::8"], trusted), "2001:db8::8");
        assert_eq!(client("10.0.0.2", &["::ffff:198.51.100.3"], trusted), "198.51.100.3");
    }

    /// Property: whatever a client prepends to the header, the answer behind a
    /// trusted proxy is the address that proxy appended (deterministic sample).
    #[test]
    fn nothing_a_client_prepends_changes_the_answer() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let junk = ["10.0.0.1", "127.0.0.1", "garbage", "", "::1", "[::1]:80", "1.2.3.4:5", "999.1.1.1"];
        for _ in 0..500 {
            let real = IpAddr::from(((next() as u32) | 0x0100_0000).to_be_bytes());
            if real.to_string().starts_with("10.") {
                continue;
            }
            let forged: Vec<&str> = (0..next() % 5).map(|_| junk[(next() % junk.len() as u64) as usize]).collect();
            let line = forged.iter().map(|s| (*s).to_owned()).chain([real.to_string()]).collect::<Vec<_>>().join(", ");
            assert_eq!(client("10.1.1.1", &[&line], "10.0.0.0/8"), real.to_string(), "{line}");
        }
    }
}
