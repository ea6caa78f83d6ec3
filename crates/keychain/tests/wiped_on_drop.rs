//! A secret leaves nothing behind in memory it gives back: this test binary's allocator looks at
//! every block freed while it is armed and counts those still holding the test's marker.
//!
//! One test in this binary, so nothing else allocates the marker meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use keychain::Secret;

/// Not a word any other code allocates.
const MARKER: &str = "pw-Qz7-wiped-on-drop-marker";

static ARMED: AtomicBool = AtomicBool::new(false);
static FREED_WITH_MARKER: AtomicUsize = AtomicUsize::new(0);

struct Inspecting;

// SAFETY: every call is passed on to the system allocator unchanged; `dealloc` only reads the
// block (still allocated at that point) before handing it back.
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) && layout.size() >= MARKER.len() {
            // Volatile byte reads: the block may hold bytes that were never written.
            let holds_marker = (0..=layout.size() - MARKER.len()).any(|start| {
                MARKER.bytes().enumerate().all(|(i, byte)| {
                    // SAFETY: `start + i < layout.size()`, inside the block.
                    unsafe { std::ptr::read_volatile(ptr.add(start + i)) == byte }
                })
            });
            if holds_marker {
                FREED_WITH_MARKER.fetch_add(1, Ordering::SeqCst);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Inspecting = Inspecting;

/// How many blocks holding the marker `f` gave back.
fn freed_with_marker(f: impl FnOnce()) -> usize {
    FREED_WITH_MARKER.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    FREED_WITH_MARKER.load(Ordering::SeqCst)
}

#[test]
fn dropped_secrets_leave_no_copy_behind() {
    // The detector sees a plain string's leftovers (what a password in a `String` leaves).
    assert_eq!(freed_with_marker(|| drop(String::from(MARKER))), 1);

    // A secret, and every copy of it.
    assert_eq!(
        freed_with_marker(|| {
            let secret = Secret::new(String::from(MARKER));
            let copy = secret.clone();
            drop(secret);
            drop(copy);
        }),
        0
    );
    // A password the window sends with a command.
    assert_eq!(
        freed_with_marker(|| {
            let json = serde_json::json!(MARKER);
            let secret: Secret = serde_json::from_value(json).unwrap();
            drop(secret);
        }),
        0
    );
    // A password piped to `login starface`, long enough to outgrow the first buffer. The
    // input is made before the allocator looks (it is the test's, not the secret's to wipe).
    let long = MARKER.repeat(10);
    let line = format!("{long}\n");
    let mut input = std::io::Cursor::new(line.as_bytes());
    let mut matches = false;
    assert_eq!(
        freed_with_marker(|| {
            let secret = Secret::read_line(&mut input).unwrap();
            matches = secret.expose() == long;
            drop(secret);
        }),
        0
    );
    assert!(matches);
}
