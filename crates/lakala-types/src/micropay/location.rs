//! `location_info`: where the payment happens (a risk-control requirement).

use crate::rules::FieldRule;
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::net::IpAddr;

/// `location_info`. At least one of `request_ip`, `base_station`, `location` must be sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocationInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    request_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_station: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`LocationInfo`].
    LocationInfoBuilder => LocationInfo {
        /// request_ip (C), String(64): the requester's IP address (preferred).
        request_ip: String,
        /// base_station (C), String(128): the device's base-station information.
        base_station: String,
        /// location (C), String(32): `+37.123456789,-121.123456789`, latitude then
        /// longitude, signed, at most 9 decimals.
        location: String,
    }
}

getters!(LocationInfo {
    /// request_ip.
    request_ip: str,
    /// base_station.
    base_station: str,
    /// location.
    location: str,
});
extra_getter!(LocationInfo);

/// Whether `text` is `±lat,±lon` with at most 9 decimals, |lat| ≤ 90 and |lon| ≤ 180.
pub fn is_valid_location(text: &str) -> bool {
    let Some((lat, lon)) = text.split_once(',') else {
        return false;
    };
    coordinate(lat, 90) && coordinate(lon, 180)
}

fn coordinate(text: &str, limit: u32) -> bool {
    let Some(unsigned) = text.strip_prefix('+').or_else(|| text.strip_prefix('-')) else {
        return false;
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || !digits(whole) {
        return false;
    }
    let bad_fraction = unsigned.contains('.') && (fraction.is_empty() || fraction.len() > 9);
    if bad_fraction || !digits(fraction) {
        return false;
    }
    let degrees: u32 = whole.parse().unwrap_or(u32::MAX);
    degrees < limit || (degrees == limit && fraction.bytes().all(|b| b == b'0'))
}

const LOCATION_FORMAT: &str = "latitude,longitude like +37.123456789,-121.123456789 (signed, at most 9 decimals, within ±90 / ±180)";

impl Validate for LocationInfo {
    fn check(&self, c: &mut Checker) {
        let ip = self.request_ip.as_deref();
        c.text("request_ip", ip, FieldRule::text(64), Req::C);
        if let Some(ip) = ip.filter(|ip| !ip.is_empty()) {
            if ip.parse::<IpAddr>().is_err() {
                c.push("request_ip", Broken::Format("an IPv4 or IPv6 address"));
            }
        }
        let station = self.base_station.as_deref();
        c.text("base_station", station, FieldRule::text(128), Req::C);
        let location = self.location.as_deref();
        c.text("location", location, FieldRule::text(32), Req::C);
        if let Some(location) = location.filter(|l| !l.is_empty()) {
            if !is_valid_location(location) {
                c.push("location", Broken::Format(LOCATION_FORMAT));
            }
        }
        let filled = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
        if !(filled(ip) || filled(station) || filled(location)) {
            c.push(
                "",
                Broken::Conflict("one of request_ip, base_station, location is required"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_location;

    #[test]
    fn location_format() {
        assert!(is_valid_location("+37.123456789,-121.123456789"));
        assert!(is_valid_location("+90,-180"));
        assert!(is_valid_location("-90.000000000,+180.0"));
        assert!(!is_valid_location("+90.000000001,+0"));
        assert!(!is_valid_location("+37.1234567891,-121.1"));
        assert!(!is_valid_location("37.1,-121.1"));
        assert!(!is_valid_location("+155621.316,-125622.12"));
        assert!(!is_valid_location("+37.1/-121.1"));
        assert!(!is_valid_location("+37.,-121.1"));
    }
}
