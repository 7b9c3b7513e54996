//! Networks as CIDR blocks (IPv4 and IPv6) and the pure rules of address allocation: which
//! addresses of a block may be given (on IPv4 /30 and wider the network and broadcast
//! addresses are not; the gateway never is), whether an address is inside, whether two
//! blocks overlap, and the lowest free address. Built on `std::net` alone: an address is
//! a `u128` (IPv4 in its low 32 bits), a block its first address and prefix length.
use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network block with no host bits set (`10.0.0.0/24`, `2001:db8::/64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    v6: bool,
    base: u128,
    prefix: u8,
}

/// An address as a number (IPv4 in the low 32 bits).
pub fn to_num(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The address of a number in the family (`v6`); IPv4 keeps the low 32 bits.
pub fn from_num(v6: bool, n: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(n))
    } else {
        IpAddr::V4(Ipv4Addr::from((n & 0xffff_ffff) as u32))
    }
}

/// Parses an address typed by a person: IPv4 dotted or IPv6, surrounding spaces ignored.
pub fn parse_address(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse::<IpAddr>()
        .map_err(|_| format!("`{}` is not an IP address", s.trim()))
}

impl Cidr {
    /// A block from its first address and prefix; `None` when host bits are set or the
    /// prefix is too long for the family.
    pub fn new(ip: IpAddr, prefix: u8) -> Option<Cidr> {
        let v6 = ip.is_ipv6();
        let c = Cidr {
            v6,
            base: to_num(ip),
            prefix,
        };
        (prefix <= c.bits() && c.base & c.host_mask() == 0).then_some(c)
    }

    /// Parses `address/prefix`. A block with host bits set (`10.0.0.5/24`) is refused with
    /// its canonical form suggested (`10.0.0.0/24`).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let t = s.trim();
        let (addr, prefix) = t.split_once('/').ok_or_else(|| {
            format!("`{t}` is not a network: write it as 10.0.0.0/24 or 2001:db8::/64")
        })?;
        let ip = parse_address(addr)?;
        let bits: u8 = if ip.is_ipv6() { 128 } else { 32 };
        let prefix: u8 = prefix
            .trim()
            .parse()
            .ok()
            .filter(|p| *p <= bits)
            .ok_or_else(|| format!("the prefix length is a number from 0 to {bits}"))?;
        let c = Cidr {
            v6: ip.is_ipv6(),
            base: to_num(ip),
            prefix,
        };
        if c.base & c.host_mask() != 0 {
            let canonical = Cidr {
                base: c.base & !c.host_mask(),
                ..c
            };
            return Err(format!("host bits are set: the network is {canonical}"));
        }
        Ok(c)
    }

    pub fn is_v6(&self) -> bool {
        self.v6
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// 32 or 128.
    pub fn bits(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The host part's bits set.
    fn host_mask(&self) -> u128 {
        let host = u32::from(self.bits() - self.prefix.min(self.bits()));
        if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        }
    }

    /// The first address (the network address).
    pub fn first(&self) -> u128 {
        self.base
    }

    /// The last address (the broadcast address on IPv4).
    pub fn last(&self) -> u128 {
        self.base | self.host_mask()
    }

    pub fn network(&self) -> IpAddr {
        from_num(self.v6, self.first())
    }

    /// Whether the network and broadcast addresses are kept back (IPv4 /30 and wider).
    pub fn keeps_ends(&self) -> bool {
        !self.v6 && self.prefix <= 30
    }

    /// The lowest and highest address that may be given.
    pub fn usable(&self) -> (u128, u128) {
        if self.keeps_ends() {
            (self.first() + 1, self.last() - 1)
        } else {
            (self.first(), self.last())
        }
    }

    /// How many addresses may be given (saturating for huge IPv6 blocks).
    pub fn usable_count(&self) -> u128 {
        let (lo, hi) = self.usable();
        (hi - lo).saturating_add(1)
    }

    /// Whether the address is of the family and inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv6() == self.v6 && {
            let n = to_num(ip);
            n >= self.first() && n <= self.last()
        }
    }

    /// Whether the blocks share an address (blocks of different families never do).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.v6 == other.v6 && self.first() <= other.last() && other.first() <= self.last()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.prefix)
    }
}

/// Why an address may not be given in `net`: outside, the network or broadcast address,
/// or the gateway. `None` when it may (whether it is taken is the store's to say).
pub fn refusal(net: &Cidr, gateway: Option<IpAddr>, ip: IpAddr) -> Option<String> {
    if !net.contains(ip) {
        return Some(format!("{ip} is outside the network {net}"));
    }
    let n = to_num(ip);
    if net.keeps_ends() && n == net.first() {
        return Some(format!("{ip} is the network address of {net}"));
    }
    if net.keeps_ends() && n == net.last() {
        return Some(format!("{ip} is the broadcast address of {net}"));
    }
    if gateway == Some(ip) {
        return Some(format!("{ip} is the gateway"));
    }
    None
}

/// The lowest address of `net` that may be given and is not in `taken` (numbers, as
/// [`to_num`] makes them); `None` when the network is full.
pub fn next_free(net: &Cidr, gateway: Option<IpAddr>, taken: &BTreeSet<u128>) -> Option<IpAddr> {
    let (lo, hi) = net.usable();
    let gw = gateway.filter(|g| net.contains(*g)).map(to_num);
    // At most one step per taken address (and the gateway) before a free one.
    let mut candidate = lo;
    while Some(candidate) == gw || taken.contains(&candidate) {
        if candidate >= hi {
            return None;
        }
        candidate += 1;
    }
    (candidate <= hi).then(|| from_num(net.is_v6(), candidate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn host_bits_are_refused_with_the_canonical_form() {
        let e = Cidr::parse("10.0.0.5/24").expect_err("host bits");
        assert!(e.contains("10.0.0.0/24"), "{e}");
        let e = Cidr::parse("2001:db8::1/64").expect_err("host bits");
        assert!(e.contains("2001:db8::/64"), "{e}");
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("10.0.0.0").is_err());
        assert!(Cidr::parse("nope/8").is_err());
        assert_eq!(
            Cidr::parse(" 10.1.0.0/16 ").map(|c| c.to_string()),
            Ok("10.1.0.0/16".into())
        );
        assert_eq!(
            Cidr::parse("0.0.0.0/0").map(|c| c.usable_count()),
            Ok(u128::from(u32::MAX) - 1)
        );
    }

    #[test]
    fn ends_and_gateway_are_kept_back() {
        let n = Cidr::parse("192.168.1.0/24").expect("net");
        let gw = Some(ip("192.168.1.1"));
        assert!(refusal(&n, gw, ip("192.168.1.0")).is_some());
        assert!(refusal(&n, gw, ip("192.168.1.255")).is_some());
        assert!(refusal(&n, gw, ip("192.168.1.1")).is_some());
        assert!(refusal(&n, gw, ip("192.168.2.1")).is_some());
        assert!(refusal(&n, gw, ip("::1")).is_some());
        assert_eq!(refusal(&n, gw, ip("192.168.1.2")), None);
        assert_eq!(next_free(&n, gw, &BTreeSet::new()), Some(ip("192.168.1.2")));
        // A /31 (point to point) and a /32 give every address.
        let p2p = Cidr::parse("10.0.0.0/31").expect("net");
        assert_eq!(
            next_free(&p2p, None, &BTreeSet::new()),
            Some(ip("10.0.0.0"))
        );
        let one = Cidr::parse("10.0.0.7/32").expect("net");
        let taken: BTreeSet<u128> = [to_num(ip("10.0.0.7"))].into();
        assert_eq!(next_free(&one, None, &taken), None);
        let v6 = Cidr::parse("2001:db8::/126").expect("net");
        assert_eq!(
            next_free(&v6, None, &BTreeSet::new()),
            Some(ip("2001:db8::"))
        );
    }

    #[test]
    fn overlap() {
        let a = Cidr::parse("10.0.0.0/16").expect("a");
        let b = Cidr::parse("10.0.5.0/24").expect("b");
        let c = Cidr::parse("10.1.0.0/16").expect("c");
        let d = Cidr::parse("::/0").expect("d");
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(!a.overlaps(&d));
    }

    fn any_cidr() -> impl Strategy<Value = Cidr> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
                let c = Cidr {
                    v6: false,
                    base: u128::from(a),
                    prefix: p,
                };
                Cidr {
                    base: c.base & !c.host_mask(),
                    ..c
                }
            }),
            (any::<u128>(), 0u8..=128).prop_map(|(a, p)| {
                let c = Cidr {
                    v6: true,
                    base: a,
                    prefix: p,
                };
                Cidr {
                    base: c.base & !c.host_mask(),
                    ..c
                }
            }),
        ]
    }

    /// A small network (at most 64 addresses) with some addresses of it taken.
    fn small_net() -> impl Strategy<Value = (Cidr, Option<IpAddr>, BTreeSet<u128>)> {
        (
            any::<u32>(),
            26u8..=32,
            any::<bool>(),
            any::<u64>(),
            any::<u8>(),
        )
            .prop_map(|(a, p, six, bits, gw)| {
                let c = if six {
                    let c = Cidr {
                        v6: true,
                        base: (u128::from(a) << 64) | 0xdead_0000,
                        prefix: p + 96,
                    };
                    Cidr {
                        base: c.base & !c.host_mask(),
                        ..c
                    }
                } else {
                    let c = Cidr {
                        v6: false,
                        base: u128::from(a),
                        prefix: p,
                    };
                    Cidr {
                        base: c.base & !c.host_mask(),
                        ..c
                    }
                };
                let size = c.last() - c.first() + 1;
                let taken: BTreeSet<u128> = (0..64u32)
                    .filter(|i| bits & (1u64 << i) != 0)
                    .map(|i| c.first() + u128::from(i) % size)
                    .collect();
                let gateway = Some(from_num(c.is_v6(), c.first() + u128::from(gw) % size));
                (c, gateway, taken)
            })
    }

    proptest! {
        #[test]
        fn cidr_round_trips(c in any_cidr()) {
            let text = c.to_string();
            prop_assert_eq!(Cidr::parse(&text), Ok(c));
        }

        #[test]
        fn host_bits_always_refused(c in any_cidr(), off in any::<u128>()) {
            let size_mask = c.last() - c.first();
            let host = off & size_mask;
            prop_assume!(host != 0);
            let text = format!("{}/{}", from_num(c.is_v6(), c.first() | host), c.prefix());
            let suggested = c.to_string();
            match Cidr::parse(&text) {
                Ok(_) => prop_assert!(false, "{} was taken", text),
                Err(e) => prop_assert!(e.contains(&suggested)),
            }
        }

        /// Allocating next-free over and over: every address is inside, none twice, never
        /// the gateway or a kept-back end, and each is the lowest free one.
        #[test]
        fn allocation_is_inside_unique_and_lowest((net, gw, mut taken) in small_net()) {
            let given: Vec<u128> = taken
                .iter()
                .copied()
                .filter(|t| refusal(&net, gw, from_num(net.is_v6(), *t)).is_none())
                .collect();
            taken = given.into_iter().collect();
            let mut rounds = 0;
            while let Some(a) = next_free(&net, gw, &taken) {
                rounds += 1;
                prop_assert!(rounds <= 70);
                prop_assert!(net.contains(a));
                prop_assert_eq!(refusal(&net, gw, a), None);
                let n = to_num(a);
                prop_assert!(!taken.contains(&n));
                // The lowest: nothing below it may be given and is free.
                let (lo, _) = net.usable();
                for below in lo..n {
                    let b = from_num(net.is_v6(), below);
                    prop_assert!(taken.contains(&below) || refusal(&net, gw, b).is_some());
                }
                taken.insert(n);
            }
            // Full: every usable address but the gateway is taken.
            let (lo, hi) = net.usable();
            for x in lo..=hi {
                let b = from_num(net.is_v6(), x);
                prop_assert!(taken.contains(&x) || refusal(&net, gw, b).is_some());
            }
        }
    }
}
