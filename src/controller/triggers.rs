//! The page's two trigger sources, online and visible, the way TanStack Query
//! has `onlineManager` and `focusManager`: one set of browser listeners for the
//! page however many clients it holds, and a value the app (or a test) can set
//! where the browser's own is wrong or missing (a WebView whose `navigator.onLine`
//! lies, a network plugin of a native shell). `None` means "ask the browser".

use crate::browser::{self, events::EventListener};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Online(bool),
    Visible(bool),
}

type Listener = Rc<dyn Fn(Trigger)>;

#[derive(Default)]
struct Sources {
    online: Cell<Option<bool>>,
    visible: Cell<Option<bool>>,
    listeners: RefCell<Vec<(u32, Listener)>>,
    next: Cell<u32>,
    /// The browser's `online`/`offline`/`visibilitychange` listeners, held while
    /// anyone listens here.
    browser: RefCell<Vec<EventListener>>,
}

thread_local! {
    static SOURCES: Sources = Sources::default();
}

/// Online as the app set it, else as the browser says.
pub fn is_online() -> bool {
    SOURCES.with(|s| s.online.get()).unwrap_or_else(browser::is_online)
}

/// Visible as the app set it, else as the browser says.
pub fn is_visible() -> bool {
    SOURCES.with(|s| s.visible.get()).unwrap_or_else(browser::is_visible)
}

/// Sets (or with `None`, hands back to the browser) whether the page is online;
/// listeners hear of it when the effective value changed.
pub fn set_online(value: Option<bool>) {
    let before = is_online();
    SOURCES.with(|s| s.online.set(value));
    let now = is_online();
    if now != before {
        emit(Trigger::Online(now));
    }
}

/// Sets (or with `None`, hands back to the browser) whether the page is visible.
pub fn set_visible(value: Option<bool>) {
    let before = is_visible();
    SOURCES.with(|s| s.visible.set(value));
    let now = is_visible();
    if now != before {
        emit(Trigger::Visible(now));
    }
}

/// Calls `f` on each change from now on; returns the id `unsubscribe` takes.
pub fn subscribe(f: Listener) -> u32 {
    SOURCES.with(|s| {
        let id = s.next.get();
        s.next.set(id + 1);
        s.listeners.borrow_mut().push((id, f));
        if s.browser.borrow().is_empty() {
            *s.browser.borrow_mut() = browser_listeners();
        }
        id
    })
}

pub fn unsubscribe(id: u32) {
    SOURCES.with(|s| {
        s.listeners.borrow_mut().retain(|(i, _)| *i != id);
        if s.listeners.borrow().is_empty() {
            s.browser.borrow_mut().clear();
        }
    });
}

fn emit(t: Trigger) {
    // A copy: a listener may subscribe or unsubscribe while it runs.
    let ls: Vec<Listener> = SOURCES.with(|s| s.listeners.borrow().iter().map(|(_, f)| f.clone()).collect());
    for f in ls {
        f(t);
    }
}

/// The browser's events, passed on unless the app set the value itself.
fn browser_listeners() -> Vec<EventListener> {
    let global = js_sys::global();
    let mut ls = Vec::new();
    for (kind, on) in [("online", true), ("offline", false)] {
        ls.extend(EventListener::new(&global, kind, move |_| {
            if SOURCES.with(|s| s.online.get()).is_none() {
                emit(Trigger::Online(on));
            }
        }));
    }
    if let Some(doc) = browser::document() {
        ls.extend(EventListener::new(&doc, "visibilitychange", |_| {
            if SOURCES.with(|s| s.visible.get()).is_none() {
                emit(Trigger::Visible(browser::is_visible()));
            }
        }));
    }
    ls
}
