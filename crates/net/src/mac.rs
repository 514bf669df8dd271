//! MAC address newtype, parsed from `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` in any case.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::MacParseError;

/// A 48-bit hardware address, shown in lowercase colon form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr([u8; 6]);

impl MacAddr {
    /// Wraps six octets.
    pub const fn new(octets: [u8; 6]) -> Self {
        Self(octets)
    }

    /// Converts a raw hardware address, returning `None` unless it has exactly six octets.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let octets: [u8; 6] = bytes.try_into().ok()?;
        Some(Self(octets))
    }

    /// The six octets.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Whether every octet is zero, as reported by interfaces without a hardware address.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
}

impl FromStr for MacAddr {
    type Err = MacParseError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let error = || MacParseError {
            value: value.to_owned(),
        };
        let trimmed = value.trim();
        let separator = if trimmed.contains('-') { '-' } else { ':' };
        let mut octets = [0u8; 6];
        let mut parts = trimmed.split(separator);
        for octet in &mut octets {
            let part = parts.next().ok_or_else(error)?;
            if part.len() != 2 {
                return Err(error());
            }
            *octet = u8::from_str_radix(part, 16).map_err(|_| error())?;
        }
        if parts.next().is_some() {
            return Err(error());
        }
        Ok(Self(octets))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: MacAddr = MacAddr::new([0x02, 0x00, 0x5e, 0x00, 0x53, 0xab]);

    #[test]
    fn mac_accepts_colon_and_dash_any_case() {
        for text in [
            "02:00:5e:00:53:ab",
            "02:00:5E:00:53:AB",
            "02-00-5e-00-53-ab",
            "02-00-5E-00-53-Ab",
            " 02:00:5e:00:53:ab ",
        ] {
            assert_eq!(text.parse::<MacAddr>(), Ok(EXPECTED), "input {text:?}");
        }
    }

    #[test]
    fn mac_rejects_malformed_text() {
        for text in [
            "",
            "02:00:5e:00:53",
            "02:00:5e:00:53:ab:cd",
            "02:00:5e:00:53:g1",
            "2:00:5e:00:53:ab",
            "02:00-5e:00:53:ab",
            "0200.5e00.53ab",
            "020:0:5e:00:53:ab",
        ] {
            let error = text.parse::<MacAddr>().unwrap_err();
            assert_eq!(error.value, text);
        }
    }

    #[test]
    fn mac_displays_lowercase_colons() {
        assert_eq!(EXPECTED.to_string(), "02:00:5e:00:53:ab");
    }

    #[test]
    fn mac_serde_round_trip() {
        let json = serde_json::to_string(&EXPECTED).unwrap();
        assert_eq!(json, "\"02:00:5e:00:53:ab\"");
        let back: MacAddr = serde_json::from_str("\"02-00-5E-00-53-AB\"").unwrap();
        assert_eq!(back, EXPECTED);
    }

    #[test]
    fn mac_from_slice_needs_six_octets() {
        assert_eq!(MacAddr::from_slice(&EXPECTED.octets()), Some(EXPECTED));
        assert_eq!(MacAddr::from_slice(&[1, 2, 3]), None);
    }
}
