// A test plugin with the shape of a Zellij plugin written in Rust: a WASI
// command module (`_start` runs main, which only installs a panic hook),
// the exports load/update/pipe/render/plugin_version, commands sent as a
// framed PluginCommand on stdout followed by zellij.host_run_plugin_command,
// and replies and events read with read_line from Rust's buffered stdin.
// Plain rustc, no crates: build with
//
//	rustc --target wasm32-wasi -O --crate-type bin main.rs
//
// Keys: i GetPluginIds, v GetZellijVersion, n NewTab (strict replies),
// w a job for the worker "shout",
// d GetPluginIds and GetZellijVersion sent back to back before either reply
// is read, m grow memory by 8 MiB, x panic with a plain message, f panic
// with a formatted one, q std::process::exit(3). Pipes: a CLI message is
// answered with CliPipeOutput "rust:PAYLOAD" (upper case), its end with
// "rust:end"; the payload "panic" panics. Configuration: crash=load or crash=render panics there;
// unflushed_tail=true leaves render's last line (print!, no newline) in
// stdout's line buffer, as plugins that never flush do.

mod pb;

use pb::{Enc, Val};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;

#[link(wasm_import_module = "zellij")]
extern "C" {
    fn host_run_plugin_command();
}

// Command numbers (CommandName).
const SUBSCRIBE: u64 = 0;
const SET_SELECTABLE: u64 = 2;
const GET_PLUGIN_IDS: u64 = 3;
const GET_ZELLIJ_VERSION: u64 = 4;
const NEW_TAB: u64 = 20;
const REPORT_CRASH: u64 = 65;
const REQUEST_PERMISSIONS: u64 = 66;
const CLI_PIPE_OUTPUT: u64 = 78;
const POST_MESSAGE_TO: u64 = 14;
const POST_MESSAGE_TO_PLUGIN: u64 = 15;

// Event types.
const EV_MODE_UPDATE: u64 = 0;
const EV_TAB_UPDATE: u64 = 1;
const EV_KEY: u64 = 3;
const EV_PERMISSION_RESULT: u64 = 15;
const EV_CUSTOM_MESSAGE: u64 = 10;

// Permissions.
const READ_APPLICATION_STATE: u64 = 0;
const CHANGE_APPLICATION_STATE: u64 = 1;
const READ_CLI_PIPES: u64 = 7;

const MODES: [&str; 14] = [
    "Normal", "Locked", "Resize", "Pane", "Tab", "Scroll", "EnterSearch", "Search", "RenameTab",
    "RenamePane", "Session", "Move", "Prompt", "Tmux",
];

#[derive(Default)]
struct Tab {
    position: u64,
    name: String,
    active: bool,
}

#[derive(Default)]
struct State {
    // A HashMap, as most plugins hold one: its hasher seeds from random_get.
    config: HashMap<String, String>,
    plugin_id: i64,
    client_id: u64,
    cwd: String,
    tabs: Vec<Tab>,
    mode: String,
    session: String,
    permission: String,
    last_key: String,
    last_reply: String,
    pipe: String,
    worker: String,
    events: u64,
    ballast: Vec<Vec<u8>>,
    // Set at load, as plugins that time things do (clock_time_get).
    started: Option<std::time::Instant>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn main() {
    std::panic::set_hook(Box::new(report_crash));
}

// The panic hook: the message (payload, a newline and the panic's debug
// form, every "\n" turned into "\r\n") goes to the host as ReportCrash,
// then the panic aborts, which traps with `unreachable`.
fn report_crash(info: &std::panic::PanicInfo) {
    let payload = match info.payload().downcast_ref::<&str>() {
        Some(s) => s.to_string(),
        None => "<NO PAYLOAD>".to_string(),
    };
    let text = format!("{}\n\r{:#?}", payload, info).replace('\n', "\r\n");
    let mut c = Enc::new();
    c.plain(1, REPORT_CRASH).string(37, &text);
    send(&c);
}

/// Writes one command to stdout and hands it to the host.
fn send(cmd: &Enc) {
    println!("{}", pb::to_json(&cmd.buf));
    unsafe { host_run_plugin_command() };
}

/// Reads one framed message from stdin: a missing or malformed line panics.
fn read_message(what: &str) -> Vec<u8> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("read {}: {}", what, e));
    pb::from_json(&line).unwrap_or_else(|e| panic!("{}: {}", what, e))
}

fn command(name: u64) -> Enc {
    let mut c = Enc::new();
    c.plain(1, name);
    c
}

#[no_mangle]
pub fn load() {
    let conf = read_message("plugin configuration");
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.started = Some(std::time::Instant::now());
        s.permission = "none".to_string();
        for (f, v) in pb::fields(&conf).unwrap() {
            if f != 1 {
                continue;
            }
            let (mut k, mut val) = (String::new(), String::new());
            for (f2, v2) in pb::fields(v.as_bytes().unwrap()).unwrap() {
                match f2 {
                    1 => k = v2.as_string().unwrap(),
                    2 => val = v2.as_string().unwrap(),
                    _ => {}
                }
            }
            s.config.insert(k, val);
        }
    });

    let mut perms = Enc::new();
    perms.packed(1, &[READ_APPLICATION_STATE, CHANGE_APPLICATION_STATE, READ_CLI_PIPES]);
    let mut c = command(REQUEST_PERMISSIONS);
    c.message(38, &perms);
    send(&c);

    let mut list = Enc::new();
    list.packed(1, &[EV_TAB_UPDATE, EV_MODE_UPDATE, EV_KEY, EV_PERMISSION_RESULT, EV_CUSTOM_MESSAGE]);
    let mut payload = Enc::new();
    payload.message(1, &list);
    let mut c = command(SUBSCRIBE);
    c.message(2, &payload);
    send(&c);

    let mut c = command(SET_SELECTABLE);
    c.uint(4, 1);
    send(&c);

    get_plugin_ids();
    if config("crash") == "load" {
        panic!("rust guest: crash in load");
    }
    eprintln!("rust guest loaded with {} configuration keys", STATE.with(|s| s.borrow().config.len()));
}

fn config(key: &str) -> String {
    STATE.with(|s| s.borrow().config.get(key).cloned().unwrap_or_default())
}

fn get_plugin_ids() {
    send(&command(GET_PLUGIN_IDS));
    let reply = read_message("PluginIds");
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        for (f, v) in pb::fields(&reply).unwrap() {
            match f {
                1 => s.plugin_id = v.as_u64().unwrap() as i32 as i64,
                3 => s.cwd = v.as_string().unwrap(),
                4 => s.client_id = v.as_u64().unwrap(),
                _ => {}
            }
        }
    });
}

#[no_mangle]
pub fn update() -> bool {
    let ev = read_message("event");
    let fs = pb::fields(&ev).unwrap();
    let mut name = 0;
    for (f, v) in &fs {
        if *f == 1 {
            name = v.as_u64().unwrap();
        }
    }
    if name > 49 || name == 33 || name == 43 {
        panic!("unknown event type");
    }
    let payload = |field: u32| -> Vec<(u32, Val)> {
        for (f, v) in &fs {
            if *f == field {
                return pb::fields(v.as_bytes().unwrap()).unwrap();
            }
        }
        Vec::new()
    };
    STATE.with(|s| s.borrow_mut().events += 1);
    match name {
        EV_TAB_UPDATE => {
            let mut tabs = Vec::new();
            for (f, v) in payload(3) {
                if f != 1 {
                    continue;
                }
                let mut t = Tab::default();
                for (f2, v2) in pb::fields(v.as_bytes().unwrap()).unwrap() {
                    match f2 {
                        1 => t.position = v2.as_u64().unwrap(),
                        2 => t.name = v2.as_string().unwrap(),
                        3 => t.active = v2.as_u64().unwrap() != 0,
                        _ => {}
                    }
                }
                tabs.push(t);
            }
            tabs.sort_by_key(|t| t.position);
            STATE.with(|s| s.borrow_mut().tabs = tabs);
            true
        }
        EV_MODE_UPDATE => {
            let (mut mode, mut session, mut styled) = (0, String::new(), false);
            for (f, v) in payload(2) {
                match f {
                    1 => mode = v.as_u64().unwrap(),
                    3 => {
                        check_style(v.as_bytes().unwrap());
                        styled = true;
                    }
                    5 => session = v.as_string().unwrap(),
                    _ => {}
                }
            }
            if !styled {
                panic!("ModeUpdate without a style");
            }
            let mode = MODES.get(mode as usize).expect("unknown input mode").to_string();
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.mode = mode;
                s.session = session;
            });
            true
        }
        EV_PERMISSION_RESULT => {
            let mut granted = false;
            for (f, v) in payload(12) {
                if f == 1 {
                    granted = v.as_u64().unwrap() != 0;
                }
            }
            STATE.with(|s| s.borrow_mut().permission = if granted { "granted" } else { "denied" }.to_string());
            true
        }
        EV_CUSTOM_MESSAGE => {
            let (mut n, mut p) = (String::new(), String::new());
            for (f, v) in payload(10) {
                match f {
                    1 => n = v.as_string().unwrap(),
                    2 => p = v.as_string().unwrap(),
                    _ => {}
                }
            }
            STATE.with(|s| s.borrow_mut().worker = format!("{} {}", n, p));
            true
        }
        EV_KEY => {
            let mut ch: Option<char> = None;
            let mut named = None;
            let mut mods = Vec::new();
            for (f, v) in payload(5) {
                match f {
                    1 => mods.push(v.as_u64().unwrap()),
                    2 => named = Some(v.as_u64().unwrap()),
                    3 => ch = Some(v.as_u64().unwrap() as u8 as char),
                    4 => mods.extend(v.varints().unwrap()),
                    _ => {}
                }
            }
            on_key(ch, named, mods.len());
            true
        }
        _ => false,
    }
}

// Styling must hold six colours in each declaration (fields 1-9, 11-14),
// none or six in field 10 and ten multiplayer colours (field 15).
fn check_style(style: &[u8]) {
    for (f, v) in pb::fields(style).unwrap() {
        if f != 4 {
            continue;
        }
        let mut counts = [0usize; 16];
        for (f2, _) in pb::fields(v.as_bytes().unwrap()).unwrap() {
            if (f2 as usize) < counts.len() {
                counts[f2 as usize] += 1;
            }
        }
        for (i, n) in counts.iter().enumerate().skip(1) {
            let ok = match i {
                10 => *n == 0 || *n == 6,
                15 => *n == 10,
                _ => *n == 6,
            };
            if !ok {
                panic!("Styling field {} has {} colours", i, n);
            }
        }
        return;
    }
    panic!("Style without styling");
}

fn on_key(ch: Option<char>, named: Option<u64>, mods: usize) {
    let label = match (ch, named) {
        (Some(c), _) => c.to_string(),
        (None, Some(n)) => format!("named {}", n),
        _ => "?".to_string(),
    };
    STATE.with(|s| s.borrow_mut().last_key = if mods > 0 { format!("{} +{}", label, mods) } else { label });
    match ch {
        Some('i') => {
            get_plugin_ids();
            let ids = STATE.with(|s| {
                let s = s.borrow();
                format!("ids {}/{}", s.plugin_id, s.client_id)
            });
            set_reply(ids);
        }
        Some('v') => {
            send(&command(GET_ZELLIJ_VERSION));
            let reply = read_message("ZellijVersion");
            let mut version = String::new();
            for (f, v) in pb::fields(&reply).unwrap() {
                if f == 1 {
                    version = v.as_string().unwrap();
                }
            }
            set_reply(format!("version {}", version));
        }
        Some('n') => {
            let mut p = Enc::new();
            p.string(1, "from-rust");
            let mut c = command(NEW_TAB);
            c.message(112, &p);
            send(&c);
            let reply = read_message("NewTabResponse");
            let mut r = "new tab: none".to_string();
            for (f, v) in pb::fields(&reply).unwrap() {
                if f == 1 {
                    r = format!("new tab id {}", v.as_u64().unwrap());
                }
            }
            set_reply(r);
        }
        Some('d') => {
            // Both replies wait in stdin; the first read_line may buffer
            // both lines, the second is served from that buffer.
            send(&command(GET_PLUGIN_IDS));
            send(&command(GET_ZELLIJ_VERSION));
            let ids = read_message("PluginIds");
            let version = read_message("ZellijVersion");
            // plugin_id 0 is a proto3 default: absent from the message.
            let mut id = 0;
            for (f, v) in pb::fields(&ids).unwrap() {
                if f == 1 {
                    id = v.as_u64().unwrap();
                }
            }
            let mut r = format!("ids {}", id);
            for (f, v) in pb::fields(&version).unwrap() {
                if f == 1 {
                    r = format!("{} version {}", r, v.as_string().unwrap());
                }
            }
            set_reply(r);
        }
        Some('w') => {
            let mut m = Enc::new();
            m.string(1, "job").string(2, "work").string(3, "shout");
            let mut p = Enc::new();
            p.message(1, &m);
            let mut c = command(POST_MESSAGE_TO);
            c.message(14, &p);
            send(&c);
        }
        Some('m') => {
            let chunk = vec![1u8; 8 << 20];
            let pages = core::arch::wasm32::memory_size(0);
            STATE.with(|s| s.borrow_mut().ballast.push(chunk));
            set_reply(format!("memory {} pages", pages));
        }
        Some('x') => panic!("rust guest: crash key pressed"),
        Some('f') => {
            let n = STATE.with(|s| s.borrow().events);
            panic!("rust guest: formatted crash after {} events", n)
        }
        Some('q') => std::process::exit(3),
        _ => {}
    }
}

fn set_reply(r: String) {
    STATE.with(|s| s.borrow_mut().last_reply = r);
}

#[no_mangle]
pub fn pipe() -> bool {
    let msg = read_message("pipe message");
    let (mut source, mut cli_id, mut name, mut payload) = (0, None, String::new(), None);
    for (f, v) in pb::fields(&msg).unwrap() {
        match f {
            1 => source = v.as_u64().unwrap(),
            2 => cli_id = Some(v.as_string().unwrap()),
            4 => name = v.as_string().unwrap(),
            5 => payload = Some(v.as_string().unwrap()),
            _ => {}
        }
    }
    if payload.as_deref().map(str::trim) == Some("panic") {
        panic!("rust guest: panic in pipe");
    }
    let text = match &payload {
        Some(p) => format!("rust:{}", p.to_uppercase()),
        None => "rust:end\n".to_string(),
    };
    if source == 0 {
        let id = cli_id.expect("a CLI pipe message without its pipe id");
        let mut out = Enc::new();
        out.string(1, &id).string(2, &text);
        let mut c = command(CLI_PIPE_OUTPUT);
        c.message(49, &out);
        send(&c);
    }
    STATE.with(|s| s.borrow_mut().pipe = format!("{} {}", name, payload.unwrap_or_default()));
    true
}

#[no_mangle]
pub fn render(rows: i32, cols: i32) {
    if config("crash") == "render" {
        panic!("rust guest: crash in render");
    }
    let lines = STATE.with(|s| {
        let s = s.borrow();
        let mut tabs = String::new();
        for t in &s.tabs {
            if !tabs.is_empty() {
                tabs.push(' ');
            }
            if t.active {
                tabs.push_str(&format!("\u{1b}[1m*{}\u{1b}[0m", t.name));
            } else {
                tabs.push_str(&t.name);
            }
        }
        let mut conf: Vec<String> = s.config.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
        conf.sort();
        vec![
            format!("rust guest {}x{} id {} client {} cwd {}", rows, cols, s.plugin_id, s.client_id, s.cwd),
            format!("tabs: {}", tabs),
            format!("mode: {} session {}", s.mode, s.session),
            format!("permission: {}", s.permission),
            format!("key: {} reply: {}", s.last_key, s.last_reply),
            format!("pipe: {}", s.pipe),
            format!("config: {} env {}", conf.join(","), std::env::vars().count()),
            format!("worker: {}", s.worker),
        ]
    });
    let rows = rows.max(0) as usize;
    let mut out = std::io::stdout();
    for (i, l) in lines.iter().take(rows).enumerate() {
        if i + 1 < rows.min(lines.len()) {
            println!("{}", l);
        } else {
            print!("{}", l);
        }
    }
    if config("unflushed_tail") != "true" {
        out.flush().unwrap();
    }
}

thread_local! {
    static JOBS: RefCell<u64> = RefCell::new(0);
}

/// The worker "shout": its own instance of this module (_start run, load
/// never), answering each message with PostMessageToPlugin("done",
/// "PAYLOAD #N"), N counting the messages this instance received.
#[no_mangle]
pub fn shout_worker() {
    let msg = read_message("worker message");
    let mut payload = String::new();
    for (f, v) in pb::fields(&msg).unwrap() {
        if f == 2 {
            payload = v.as_string().unwrap();
        }
    }
    let n = JOBS.with(|j| {
        *j.borrow_mut() += 1;
        *j.borrow()
    });
    let mut m = Enc::new();
    m.string(1, "done").string(2, &format!("{} #{}", payload.to_uppercase(), n));
    let mut p = Enc::new();
    p.message(1, &m);
    let mut c = command(POST_MESSAGE_TO_PLUGIN);
    c.message(15, &p);
    send(&c);
}

#[no_mangle]
pub fn plugin_version() {
    println!("0.45.0");
}
