//! Who is at the other end: the client's address, for the sign-in limits.
//!
//! The address is the connection's peer. Behind a reverse proxy every connection comes from
//! the proxy, so `--trust-forwarded-for` takes the address the proxy appends to
//! `X-Forwarded-For` instead; without it the header is ignored, since any client can write
//! it. An IPv6 client counts by its /64 network, which one host usually holds whole.

use crate::Shared;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

/// The client of a request, as the limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address as counted: IPv4 as it is (also when mapped into IPv6), IPv6 by /64.
    pub fn key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Addr::from(
                    u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
                )),
            },
        }
    }

    /// Finds the client of a request (see the module's documentation). A router served
    /// without connection information (some tests) counts every client as one.
    pub fn of(parts: &Parts, trust_forwarded_for: bool) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = trust_forwarded_for
            .then(|| forwarded_for(&parts.headers))
            .flatten();
        ClientAddr(
            forwarded
                .or(peer)
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        )
    }
}

impl FromRequestParts<Shared> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Infallible> {
        Ok(Self::of(parts, state.trust_forwarded_for))
    }
}

/// The address the proxy in front of us saw: the last entry of the last `X-Forwarded-For`
/// header (the entries before it were written by the client, or by proxies we do not know).
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Attempts per client address: a GCRA rate limit (`governor`) of so many a minute, with a
/// burst of the same size.
#[derive(Debug)]
pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl Limiter {
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one attempt for `client`, or tells how many seconds to wait.
    pub fn check(&self, client: ClientAddr) -> Result<(), u64> {
        // Forget idle clients now and then, so made-up addresses cannot fill memory.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&client.key()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

/// "N minutes" or "N seconds", for a message.
pub fn wait_words(seconds: u64) -> String {
    if seconds >= 90 {
        format!("{} minutes", seconds.div_ceil(60))
    } else if seconds == 1 {
        "a second".to_string()
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, xff: &[&str]) -> Parts {
        let mut r = Request::builder().uri("/login");
        for v in xff {
            r = r.header("x-forwarded-for", *v);
        }
        let (mut parts, ()) = r.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    #[test]
    fn the_forwarded_address_counts_only_when_trusted() {
        let p = parts("127.0.0.1:5000", &["198.51.100.1, 203.0.113.9"]);
        assert_eq!(ClientAddr::of(&p, false).0.to_string(), "127.0.0.1");
        assert_eq!(ClientAddr::of(&p, true).0.to_string(), "203.0.113.9");
        let p = parts("127.0.0.1:5000", &["1.2.3.4", "[2001:db8::1]:443"]);
        assert_eq!(ClientAddr::of(&p, true).0.to_string(), "2001:db8::1");
        let p = parts("127.0.0.1:5000", &["not an address"]);
        assert_eq!(ClientAddr::of(&p, true).0.to_string(), "127.0.0.1");
        let p = parts("[::ffff:192.0.2.4]:80", &[]);
        assert_eq!(ClientAddr::of(&p, false).key().to_string(), "192.0.2.4");
        let p = parts("[2001:db8:1:2:3:4:5:6]:80", &[]);
        assert_eq!(
            ClientAddr::of(&p, false).key().to_string(),
            "2001:db8:1:2::"
        );
    }

    #[test]
    fn a_client_over_its_limit_waits_and_others_do_not() {
        let l = Limiter::per_minute(3);
        let a = ClientAddr("192.0.2.1".parse().unwrap());
        let b = ClientAddr("192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(l.check(a).is_ok());
        }
        let wait = l.check(a).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(l.check(b).is_ok());
        assert_eq!(wait_words(1), "a second");
        assert_eq!(wait_words(20), "20 seconds");
        assert_eq!(wait_words(900), "15 minutes");
    }
}
