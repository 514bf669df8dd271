//! Error types of the crate.

use std::io;

/// An invalid `[[office]]` table, with the key path of the bad value and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not parse or is out of range.
    #[error("{key}: invalid value {value:?}: {problem}; {fix}")]
    InvalidValue {
        key: String,
        value: String,
        problem: String,
        fix: String,
    },
    /// A required key that is missing or empty.
    #[error("{key}: missing value; {fix}")]
    Missing { key: String, fix: String },
    /// An office whose signals can never match on their own.
    #[error("{key}: office {name:?} has no signal that can match; {fix}")]
    NoSignal {
        key: String,
        name: String,
        fix: String,
    },
    /// Two offices with the same name.
    #[error("{key}: duplicate office name {name:?}; give every office a unique name")]
    DuplicateName { key: String, name: String },
}

impl ConfigError {
    /// Key path of the offending value, such as `office[1].subnets[0]`.
    pub fn key(&self) -> &str {
        match self {
            Self::InvalidValue { key, .. }
            | Self::Missing { key, .. }
            | Self::NoSignal { key, .. }
            | Self::DuplicateName { key, .. } => key,
        }
    }
}

/// A string that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid MAC address {value:?}: expected six two-digit hex octets separated by ':' \
     or '-', such as 02:00:5e:00:53:01"
)]
pub struct MacParseError {
    pub value: String,
}

/// Failure to read the network state or to start a watcher.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A netlink socket could not be opened or a request failed.
    #[error("netlink {operation} failed: {source}")]
    Netlink {
        operation: &'static str,
        #[source]
        source: io::Error,
    },
    /// A D-Bus call failed on a bus that exists.
    #[error("D-Bus {operation} failed: {message}")]
    Dbus {
        operation: &'static str,
        message: String,
    },
    /// The operation has no implementation on this operating system.
    #[error("{what} is not supported on this operating system")]
    Unsupported { what: &'static str },
    /// The HTTP client for probes could not be built.
    #[error("probe HTTP client setup failed: {message}")]
    Http { message: String },
    /// Any other I/O failure, such as reading the interface list.
    #[error("{operation} failed: {source}")]
    Io {
        operation: &'static str,
        #[source]
        source: io::Error,
    },
    /// The current network has nothing an office rule could match on.
    #[error(
        "the current network has no default gateway on a wired or Wi-Fi interface and no \
         Wi-Fi access point; connect to the office network (not through a VPN) and try again"
    )]
    NoOfficeSignals,
    /// An office built from the current network did not validate.
    #[error("the current network does not make a valid office: {0}")]
    Config(ConfigError),
}
