//! Token stores: the file fallback's permissions and atomic writes, and the
//! choice between the keychain and the file.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;

use deskcheck_auth::{
    open_secret_store, Account, FileStore, RefreshToken, SecretStore, StoreError, StoredSignIn,
    TOKEN_FILE_NAME,
};

fn sign_in(token: &str) -> StoredSignIn {
    StoredSignIn {
        refresh_token: RefreshToken::new(token),
        account: Some(Account {
            username: "adele@contoso.example".to_owned(),
            name: Some("Adele Vance".to_owned()),
            tenant_id: None,
        }),
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn file_store_is_0600() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let path = data_dir.join(TOKEN_FILE_NAME);
    let store = FileStore::new(path.clone());

    store.save(&sign_in("first")).unwrap();

    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&data_dir), 0o700, "a created folder is private");
    assert_eq!(store.load().unwrap(), Some(sign_in("first")));
}

#[test]
fn file_store_replaces_wider_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TOKEN_FILE_NAME);
    std::fs::write(&path, b"{}").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = FileStore::new(path.clone());

    store.save(&sign_in("second")).unwrap();

    assert_eq!(mode(&path), 0o600);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from(TOKEN_FILE_NAME)],
        "no temporary file left"
    );
}

#[test]
fn file_store_clear_removes_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TOKEN_FILE_NAME);
    let store = FileStore::new(path.clone());
    store.save(&sign_in("third")).unwrap();

    store.clear().unwrap();

    assert!(!path.exists());
    assert_eq!(store.load().unwrap(), None);
    store.clear().expect("clearing an empty store succeeds");
}

#[test]
fn file_store_reports_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TOKEN_FILE_NAME);
    std::fs::write(&path, b"not json").unwrap();

    let error = FileStore::new(path.clone()).load().unwrap_err();

    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("sign in again"), "{message}");
}

#[test]
fn open_secret_store_warns_on_file_fallback() {
    let dir = tempfile::tempdir().unwrap();

    let (store, warning) = open_secret_store(dir.path());

    // Machines without a Secret Service get the file and a warning; with a
    // keychain there is no warning.
    match warning {
        Some(warning) => {
            assert_eq!(store.kind(), "file");
            assert!(warning.message.contains("keychain"), "{warning}");
            assert!(warning.message.contains(TOKEN_FILE_NAME), "{warning}");
        }
        None => assert_eq!(store.kind(), "keychain"),
    }
}
