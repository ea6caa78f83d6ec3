//! How the window's WebKit draws the page. WebKitGTK composites on the GPU by default, through
//! OpenGL; where there is no GPU driver (a virtual or remote desktop, Xvfb) that is Mesa's
//! software rasteriser, and then opening the window costs seconds of CPU (shaders compiled on
//! the CPU) and every repaint goes through it. The page is text and a list without any
//! animation, so WebKit's own CPU drawing serves it everywhere. Measured under Xvfb
//! (docs/PERFORMANCE.md): opening the window took about a seventh of the CPU, the minute's
//! repaint of the ages about half, and the web process about 110 MB instead of 200.
//!
//! The only switch WebKitGTK reads before a page starts is its environment variable: its
//! setting, changed on a webview that is already loading, crashed the web process. So the app
//! sets the variable for itself before WebKit starts; programs the app starts (a browser for a
//! link) inherit it, which only matters to browsers built on WebKitGTK, and they then draw on
//! the CPU as well. A variable already in the environment (any value, `0` included) wins.

/// The environment variable WebKitGTK reads for its drawing mode.
const WEBKIT_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// How the window draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    /// WebKit draws on the CPU: this app set WebKit's switch.
    Cpu,
    /// WebKit's switch was in the environment already: WebKit does as it says.
    AsTheEnvironmentSays,
    /// Not WebKitGTK: WebView2 (Windows) and WKWebView (macOS) choose for themselves.
    #[cfg(not(target_os = "linux"))]
    ByThePlatform,
}

impl Drawing {
    /// The choice for WebKit's switch as found in the environment.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fn given(webkit_switch: Option<&std::ffi::OsStr>) -> Self {
        match webkit_switch {
            Some(_) => Self::AsTheEnvironmentSays,
            None => Self::Cpu,
        }
    }

    /// Says in the log how the window will draw.
    pub fn log(self) {
        match self {
            Self::Cpu => tracing::debug!("the window draws on the CPU ({WEBKIT_SWITCH}=1)"),
            Self::AsTheEnvironmentSays => {
                tracing::info!("{WEBKIT_SWITCH} was set: the window draws as it says")
            }
            #[cfg(not(target_os = "linux"))]
            Self::ByThePlatform => {}
        }
    }
}

/// Sets WebKit's switch unless the environment has it. Call it before WebKit or any other
/// thread starts: the environment is the process's, shared with every thread.
#[cfg(target_os = "linux")]
pub fn choose_before_webkit_starts() -> Drawing {
    let drawing = Drawing::given(std::env::var_os(WEBKIT_SWITCH).as_deref());
    if drawing == Drawing::Cpu {
        std::env::set_var(WEBKIT_SWITCH, "1");
    }
    drawing
}

#[cfg(not(target_os = "linux"))]
pub fn choose_before_webkit_starts() -> Drawing {
    Drawing::ByThePlatform
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webkits_switch_in_the_environment_wins_whatever_it_says() {
        assert_eq!(Drawing::given(None), Drawing::Cpu);
        assert_eq!(
            Drawing::given(Some("1".as_ref())),
            Drawing::AsTheEnvironmentSays
        );
        assert_eq!(
            Drawing::given(Some("0".as_ref())),
            Drawing::AsTheEnvironmentSays
        );
    }
}
