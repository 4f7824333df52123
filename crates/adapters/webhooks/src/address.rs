//! Which addresses a tenant-chosen URL may not reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` may not be reached, or `None` when it is a public address.
#[must_use]
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified",
        (127, _, _) => "loopback",
        (10, _, _) | (192, 168, _) => "private",
        (172, 16..=31, _) => "private",
        (169, 254, _) => "link-local (cloud metadata)",
        (100, 64..=127, _) => "shared (CGNAT)",
        (192, 0, 0) => "IETF protocol",
        (192, 88, 99) => "6to4 relay",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18 | 19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // NAT64 (64:ff9b::/96) embeds an IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_reason(embedded(segments[6], segments[7]));
    }
    // 6to4 (2002::/16) embeds one in bits 16–47.
    if segments[0] == 0x2002 {
        return v4_reason(embedded(segments[1], segments[2])).or(Some("6to4"));
    }
    Some(match segments[0] {
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_loopback() => "loopback",
        0 if segments[1..6] == [0, 0, 0, 0, 0] => "IPv4-compatible",
        0xfc00..=0xfdff => "private (unique local)",
        0xfe80..=0xfebf => "link-local",
        0xfec0..=0xfeff => "site-local",
        0x64 if segments[1] == 0xff9b && segments[2] == 1 => "local NAT64",
        0x100 if segments[1..4] == [0, 0, 0] => "discard",
        0x2001 if segments[1] < 0x200 => "IETF protocol",
        0xff00..=0xffff => "multicast",
        0x2001 if segments[1] == 0x0db8 => "documentation",
        // The rest of ::/8 (IPv4-translated ::ffff:0:a.b.c.d among them) is reserved.
        0x0000..=0x00ff => "reserved",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_addresses_are_named_and_public_ones_pass() {
        for (ip, reason) in [
            ("127.0.0.1", "loopback"),
            ("127.8.9.1", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("100.100.100.200", "shared (CGNAT)"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local (cloud metadata)"),
            ("64:ff9b::a00:1", "private"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::ffff:0:7f00:1", "reserved"),
            ("0:0:1::1", "reserved"),
            ("fd00:ec2::254", "private (unique local)"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2002:7f00:1::", "loopback"),
            ("2002:0808:0808::", "6to4"),
            ("64:ff9b:1::1", "local NAT64"),
            ("fec0::1", "site-local"),
            ("2001::1", "IETF protocol"),
            ("100::1", "discard"),
            ("192.88.99.1", "6to4 relay"),
        ] {
            assert_eq!(forbidden_reason(ip.parse().unwrap()), Some(reason), "{ip}");
        }
        for ip in ["93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808"] {
            assert_eq!(forbidden_reason(ip.parse().unwrap()), None, "{ip}");
        }
    }
}
