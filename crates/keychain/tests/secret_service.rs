//! The real Secret Service: gnome-keyring on a private session bus, unlocked by the test.
//!
//! One test function on purpose: it points this process at the private bus through the
//! environment, which must not race with other tests.

use std::time::Duration;

use keychain::{KeychainError, OsKeychain, Secret, SecretStore};
use test_session::DesktopSession;

#[test]
fn round_trip_then_locked() {
    let session = DesktopSession::start()
        .and_then(|s| s.with_unlocked_keyring("login-password"))
        .unwrap_or_else(|e| panic!("{e}"));
    for (key, value) in session.env() {
        std::env::set_var(key, value);
    }

    // A locked keyring with nobody to answer its unlock prompt must not hang us: the deadline
    // turns it into `Locked`. Short here; the app waits long enough for a person.
    let store =
        OsKeychain::with_service("presence-bridge-test").with_deadline(Duration::from_secs(5));
    let name = keychain::names::MICROSOFT_REFRESH_TOKEN;

    // Round trip, replace, delete, delete again.
    assert_eq!(store.get(name).unwrap(), None);
    store.set(name, &Secret::new("first-token")).unwrap();
    assert_eq!(store.get(name).unwrap(), Some(Secret::new("first-token")));
    store.set(name, &Secret::new("rotated-token")).unwrap();
    assert_eq!(store.get(name).unwrap(), Some(Secret::new("rotated-token")));
    // A second handle sees the same entry: it really is in the keyring, not in this process.
    let other = OsKeychain::with_service("presence-bridge-test");
    assert_eq!(other.get(name).unwrap(), Some(Secret::new("rotated-token")));
    store.delete(name).unwrap();
    assert_eq!(store.get(name).unwrap(), None);
    store.delete(name).unwrap();

    // Another service name is another namespace.
    store.set(name, &Secret::new("mine")).unwrap();
    assert_eq!(
        OsKeychain::with_service("someone-else").get(name).unwrap(),
        None
    );

    // Locked: the keyring refuses, and we say so instead of falling back to anything.
    lock_default_collection();
    match store.get(name) {
        Err(KeychainError::Locked) => {}
        other => panic!("expected KeychainError::Locked, got {other:?}"),
    }
    match store.set(name, &Secret::new("x")) {
        Err(KeychainError::Locked) => {}
        other => panic!("expected KeychainError::Locked, got {other:?}"),
    }
    assert!(KeychainError::Locked.to_string().contains("locked"));

    // "No Secret Service at all" needs a fresh process (libdbus caches the bus address):
    // see `doctor_fails_the_keychain_check_without_a_secret_service` in the app's tests/cli.rs.
}

fn lock_default_collection() {
    use dbus_secret_service::{EncryptionType, SecretService};
    let service = SecretService::connect(EncryptionType::Plain).expect("connect to Secret Service");
    let collection = service
        .get_default_collection()
        .expect("default collection");
    collection.lock().expect("lock the collection");
    assert!(collection.is_locked().expect("locked state"));
}
