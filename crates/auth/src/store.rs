//! Storage of the sign-in between runs: the refresh token and the account.
//! Access tokens are not stored, because the first request after a restart
//! gets a new one with the refresh token.
//!
//! [`KeyringStore`] uses the system keychain. [`FileStore`] is the fallback
//! where no keychain is available, and [`MemoryStore`] is for tests.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::tokens::{Account, RefreshToken};

/// Keychain service name of every entry this crate writes.
pub const KEYRING_SERVICE: &str = "deskcheck";
const KEYRING_USER: &str = "sign-in";
/// Characters per keychain entry. Windows Credential Manager stores at most
/// 2,560 bytes per secret and keyring 3 stores passwords there as UTF-16,
/// so 1,200 characters of JSON take at most 2,400 bytes.
const KEYRING_CHUNK_CHARS: usize = 1200;
/// File name of the [`FileStore`] inside the data directory.
pub const TOKEN_FILE_NAME: &str = "sign-in.json";

/// The sign-in data stored between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSignIn {
    pub refresh_token: RefreshToken,
    #[serde(default)]
    pub account: Option<Account>,
}

/// A place to keep the sign-in between runs.
///
/// The methods block on the keychain or the file system. They are called
/// once per sign-in, sign-out or token refresh, so they run inline.
pub trait SecretStore: Send + Sync + fmt::Debug {
    fn load(&self) -> Result<Option<StoredSignIn>, StoreError>;
    fn save(&self, sign_in: &StoredSignIn) -> Result<(), StoreError>;
    /// Removes the stored sign-in. Succeeds when nothing is stored.
    fn clear(&self) -> Result<(), StoreError>;
    /// Returns a short name for logs: `keychain`, `file` or `memory`.
    fn kind(&self) -> &'static str;
}

/// Why the store in use is weaker than the system keychain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Opens the system keychain, or a [`FileStore`] in `data_dir` with a
/// warning when the keychain is unavailable (for example no Secret Service
/// on D-Bus).
pub fn open_secret_store(data_dir: &Path) -> (Box<dyn SecretStore>, Option<Warning>) {
    match KeyringStore::open() {
        Ok(store) => {
            tracing::info!(
                store = store.kind(),
                "using the system keychain for the sign-in"
            );
            (Box::new(store), None)
        }
        Err(error) => {
            let store = FileStore::new(data_dir.join(TOKEN_FILE_NAME));
            let message = format!(
                "the system keychain is unavailable ({error}); the sign-in is stored in {} \
                 readable only by your user",
                store.path().display()
            );
            tracing::warn!(%error, path = %store.path().display(), "falling back to a token file");
            (Box::new(store), Some(Warning { message }))
        }
    }
}

/// Keeps the sign-in in memory only. For tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    sign_in: Mutex<Option<StoredSignIn>>,
}

impl MemoryStore {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<StoredSignIn>> {
        self.sign_in
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn load(&self) -> Result<Option<StoredSignIn>, StoreError> {
        Ok(self.slot().clone())
    }

    fn save(&self, sign_in: &StoredSignIn) -> Result<(), StoreError> {
        *self.slot() = Some(sign_in.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        *self.slot() = None;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

/// Keeps the sign-in in a JSON file that only the owner can read (mode 0600
/// on Unix).
///
/// NOTE: on Windows no ACL is set, so the file relies on the permissions of
/// the user's profile directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(path: PathBuf) -> Self {
        tracing::warn!(path = %path.display(), "sign-in tokens are kept in a file, not in the system keychain");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file_error(&self, action: &'static str, source: std::io::Error) -> StoreError {
        StoreError::File {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// Writes `contents` to a new 0600 file beside the target, then renames
    /// it over the target, so no reader sees a partial file and the secret
    /// never sits in a file with wider permissions.
    fn write_atomically(&self, contents: &[u8]) -> Result<(), StoreError> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        create_private_dir(dir).map_err(|error| self.file_error("create the folder of", error))?;
        let temp = temp_path(&self.path);
        let result =
            write_new_private_file(&temp, contents).and_then(|()| fs::rename(&temp, &self.path));
        if let Err(error) = result {
            let _ = fs::remove_file(&temp);
            return Err(self.file_error("write", error));
        }
        Ok(())
    }
}

impl SecretStore for FileStore {
    fn load(&self) -> Result<Option<StoredSignIn>, StoreError> {
        let contents = match fs::read(&self.path) {
            Ok(contents) => contents,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(self.file_error("read", error)),
        };
        let sign_in = serde_json::from_slice(&contents).map_err(|error| StoreError::Corrupt {
            path: self.path.clone(),
            detail: crate::http::json_error_detail(&error),
        })?;
        Ok(Some(sign_in))
    }

    fn save(&self, sign_in: &StoredSignIn) -> Result<(), StoreError> {
        let contents = serde_json::to_vec(sign_in).expect("the sign-in serializes to JSON");
        self.write_atomically(&contents)?;
        tracing::debug!(path = %self.path.display(), "sign-in saved to the token file");
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.file_error("remove", error)),
        }
    }

    fn kind(&self) -> &'static str {
        "file"
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let suffix: u64 = rand::random();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix:016x}.tmp"));
    path.with_file_name(name)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir)
}

/// Creates `path`, which must not exist, with mode 0600 set at creation
/// and writes `contents` to it.
fn write_new_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Keeps the sign-in in the system keychain under service `deskcheck`.
///
/// The JSON is split into entries of at most [`KEYRING_CHUNK_CHARS`]
/// characters (`sign-in.1`, `sign-in.2`, ...) because Entra refresh tokens
/// can exceed the Windows Credential Manager limit. The entry `sign-in`
/// stores the chunk count.
///
/// NOTE: the tests run where no Secret Service exists, so only the chunking
/// and the fallback to [`FileStore`] are tested; saving to a real keychain
/// has not been run.
#[derive(Debug)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// Opens the keychain and checks that it responds.
    pub fn open() -> Result<Self, StoreError> {
        let store = Self {
            service: KEYRING_SERVICE.to_owned(),
        };
        match store.entry(KEYRING_USER)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(store),
            Err(error) => Err(keychain_error("open", &error)),
        }
    }

    fn entry(&self, user: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, user).map_err(|error| keychain_error("open", &error))
    }

    fn read(&self, user: &str) -> Result<Option<String>, StoreError> {
        match self.entry(user)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keychain_error("read", &error)),
        }
    }

    fn write(&self, user: &str, value: &str) -> Result<(), StoreError> {
        self.entry(user)?
            .set_password(value)
            .map_err(|error| keychain_error("write", &error))
    }

    fn delete(&self, user: &str) -> Result<(), StoreError> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(keychain_error("remove", &error)),
        }
    }

    fn chunk_count(&self) -> Result<Option<usize>, StoreError> {
        let Some(header) = self.read(KEYRING_USER)? else {
            return Ok(None);
        };
        parse_chunk_header(&header)
            .map(Some)
            .ok_or_else(|| StoreError::Keychain {
                action: "read",
                detail: format!("the entry {KEYRING_USER} has no valid chunk count"),
            })
    }
}

fn keychain_error(action: &'static str, error: &keyring::Error) -> StoreError {
    StoreError::Keychain {
        action,
        detail: error.to_string(),
    }
}

fn chunk_user(index: usize) -> String {
    format!("{KEYRING_USER}.{index}")
}

fn chunk_header(count: usize) -> String {
    format!("chunks={count}")
}

fn parse_chunk_header(header: &str) -> Option<usize> {
    header.strip_prefix("chunks=")?.parse().ok()
}

/// Splits `text` into pieces of at most `size` characters.
fn split_chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

impl SecretStore for KeyringStore {
    fn load(&self) -> Result<Option<StoredSignIn>, StoreError> {
        let Some(count) = self.chunk_count()? else {
            return Ok(None);
        };
        let mut json = String::new();
        for index in 1..=count {
            let chunk = self
                .read(&chunk_user(index))?
                .ok_or_else(|| StoreError::Keychain {
                    action: "read",
                    detail: format!("the entry {} is missing", chunk_user(index)),
                })?;
            json.push_str(&chunk);
        }
        let sign_in = serde_json::from_str(&json).map_err(|error| StoreError::Keychain {
            action: "read",
            detail: crate::http::json_error_detail(&error),
        })?;
        Ok(Some(sign_in))
    }

    fn save(&self, sign_in: &StoredSignIn) -> Result<(), StoreError> {
        let json = serde_json::to_string(sign_in).expect("the sign-in serializes to JSON");
        let chunks = split_chunks(&json, KEYRING_CHUNK_CHARS);
        self.clear()?;
        for (index, chunk) in chunks.iter().enumerate() {
            self.write(&chunk_user(index + 1), chunk)?;
        }
        // The header goes last, so an interrupted save leaves no header that
        // points at missing chunks.
        self.write(KEYRING_USER, &chunk_header(chunks.len()))?;
        tracing::debug!(
            chunks = chunks.len(),
            "sign-in saved to the system keychain"
        );
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        let count = self.chunk_count().ok().flatten().unwrap_or(0);
        self.delete(KEYRING_USER)?;
        for index in 1..=count {
            self.delete(&chunk_user(index))?;
        }
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "keychain"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_chunks_fits_windows_limit() {
        let text = "x".repeat(3000);
        let chunks = split_chunks(&text, KEYRING_CHUNK_CHARS);
        assert_eq!(chunks.len(), 3);
        for chunk in &chunks {
            assert!(chunk.encode_utf16().count() * 2 <= 2560);
        }
        assert_eq!(chunks.concat(), text);
    }

    #[test]
    fn chunk_header_round_trip() {
        assert_eq!(parse_chunk_header(&chunk_header(4)), Some(4));
        assert_eq!(parse_chunk_header("4"), None);
    }
}
