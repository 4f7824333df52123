//! IP ranges in CIDR notation, for `TRUSTED_PROXIES`.
//!
//! Parsed once at start-up with the settings, so a typo is refused by name
//! instead of silently trusting nothing (or everything). Addresses are
//! compared in canonical form: an IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`,
//! what a dual-stack listener reports) matches the IPv4 range `10.0.0.0/8`.
//! Host bits after the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address range: a network address and a prefix length. A bare address is a /32 (or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpCidr {
    network: IpAddr,
    prefix: u8,
}

impl IpCidr {
    /// The range of `network`/`prefix`.
    ///
    /// # Errors
    /// When the prefix is longer than the address (32 bits for IPv4, 128 for IPv6).
    pub fn new(network: IpAddr, prefix: u8) -> Result<Self, String> {
        // `::ffff:a.b.c.d/n` with n ≥ 96 is the IPv4 range a.b.c.d/(n - 96).
        let (network, prefix) = match network.to_canonical() {
            v4 @ IpAddr::V4(_) if network.is_ipv6() && prefix >= 96 => (v4, prefix - 96),
            IpAddr::V4(_) if network.is_ipv6() => (network, prefix),
            canonical => (canonical, prefix),
        };
        let bits = max_prefix(network);
        if prefix > bits {
            return Err(format!("prefix /{prefix} is longer than the address ({bits} bits)"));
        }
        Ok(Self { network: masked(network, prefix), prefix })
    }

    /// Whether `addr` lies in the range.
    #[must_use]
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        addr.is_ipv4() == self.network.is_ipv4() && masked(addr, self.prefix) == self.network
    }
}

const fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

/// `addr` with every bit after the first `prefix` cleared.
fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((u32::from(v4) & mask).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((u128::from(v6) & mask).to_be_bytes())
        }
    }
}

impl FromStr for IpCidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| format!("{address:?} is not an IPv4 or IPv6 address"))?;
        let prefix = match prefix {
            None => max_prefix(network),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse().map_err(|_| format!("/{p} is not a prefix length"))?
            }
            Some(p) => return Err(format!("/{p} is not a prefix length")),
        };
        Self::new(network, prefix)
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses a comma-separated list of ranges (`TRUSTED_PROXIES`), naming every bad entry.
///
/// # Errors
/// One message per entry that is not an address or a CIDR range.
pub fn parse_cidr_list(list: &str) -> Result<Vec<IpCidr>, Vec<String>> {
    let mut ranges = Vec::new();
    let mut errors = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match entry.parse() {
            Ok(range) => ranges.push(range),
            Err(why) => errors.push(format!("{entry:?}: {why}")),
        }
    }
    if errors.is_empty() { Ok(ranges) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_contain_exactly_their_addresses() {
        let private: IpCidr = "10.0.0.0/8".parse().unwrap();
        assert!(private.contains(ip("10.255.1.2")));
        assert!(!private.contains(ip("11.0.0.0")));
        let single: IpCidr = "203.0.113.7".parse().unwrap();
        assert_eq!(single.to_string(), "203.0.113.7/32");
        assert!(single.contains(ip("203.0.113.7")) && !single.contains(ip("203.0.113.8")));
        let v6: IpCidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")) && !private.contains(ip("2001:db8::1")), "families never mix");
        let everything: IpCidr = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains(ip("198.51.100.1")));
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_ranges() {
        let private: IpCidr = "10.0.0.0/8".parse().unwrap();
        assert!(private.contains(ip("::ffff:10.1.2.3")));
        let mapped: IpCidr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(mapped.to_string(), "192.0.2.1/32");
        let mapped_range: IpCidr = "::ffff:10.0.0.0/104".parse().unwrap();
        assert_eq!(mapped_range.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn host_bits_after_the_prefix_are_ignored() {
        assert_eq!("10.1.2.3/8".parse::<IpCidr>().unwrap().to_string(), "10.0.0.0/8");
    }

    #[test]
    fn every_bad_entry_of_a_list_is_named() {
        let errors =
            parse_cidr_list("10.0.0.0/8, 10.0.0.0/33, proxy.local, ::1/129, 192.168.0.0/, 1.2.3.4/-1").unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        for bad in ["10.0.0.0/33", "proxy.local", "::1/129", "192.168.0.0/", "1.2.3.4/-1"] {
            assert!(errors.iter().any(|e| e.contains(bad)), "{bad} not named in {errors:?}");
        }
        assert_eq!(parse_cidr_list(" 10.0.0.0/8 ,, ::1 ").unwrap().len(), 2);
        assert!(parse_cidr_list("").unwrap().is_empty());
    }

    /// Property: for every prefix length, an address is in `addr/prefix` exactly
    /// when its first `prefix` bits equal the network's (checked bit by bit on
    /// a deterministic pseudo-random sample).
    #[test]
    fn membership_agrees_with_a_bitwise_prefix_comparison() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let (a, b) = (next() as u32, next() as u32);
            let prefix = (next() % 33) as u8;
            let range = IpCidr::new(IpAddr::from(a.to_be_bytes()), prefix).unwrap();
            let same_prefix = (0..u32::from(prefix)).all(|bit| (a >> (31 - bit)) & 1 == (b >> (31 - bit)) & 1);
            assert_eq!(range.contains(IpAddr::from(b.to_be_bytes())), same_prefix, "{range} vs {b:#x}");
            assert!(range.contains(IpAddr::from(a.to_be_bytes())), "a range contains its own address");
            let (x, y) = (u128::from(next()) << 64 | u128::from(next()), u128::from(next()) << 64 | u128::from(next()));
            let prefix = (next() % 129) as u8;
            let range = IpCidr::new(IpAddr::from(x.to_be_bytes()), prefix).unwrap();
            let same_prefix = (0..u32::from(prefix)).all(|bit| (x >> (127 - bit)) & 1 == (y >> (127 - bit)) & 1);
            // Skip IPv4-mapped samples: they are compared as IPv4 by design.
            if IpAddr::from(y.to_be_bytes()).to_canonical().is_ipv6()
                && IpAddr::from(x.to_be_bytes()).to_canonical().is_ipv6()
            {
                assert_eq!(range.contains(IpAddr::from(y.to_be_bytes())), same_prefix, "{range} vs {y:#x}");
            }
        }
    }
}
