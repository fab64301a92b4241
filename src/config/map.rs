//! The public 地域資源マップ (#21): where its tiles come from, and where it opens.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MapConfig {
    /// The tile server, Leaflet's `{z}/{x}/{y}` template. A city with its own tile server sets
    /// it; the pages' content security policy allows images from its origin only.
    pub tile_url: String,
    /// The tiles' attribution, as HTML (shown on the map).
    pub attribution: String,
    /// Where the map opens: latitude, longitude, zoom.
    pub center_latitude: f64,
    pub center_longitude: f64,
    pub zoom: u8,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution:
                "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
                    .into(),
            // Hitachinaka city hall.
            center_latitude: 36.3966,
            center_longitude: 140.5347,
            zoom: 13,
        }
    }
}

impl MapConfig {
    /// The tile server's origin (`https://tile.example.jp`), for the content security policy;
    /// `None` when the template is not an http(s) address.
    pub fn tile_origin(&self) -> Option<String> {
        let rest = self
            .tile_url
            .strip_prefix("https://")
            .map(|r| ("https", r))
            .or_else(|| self.tile_url.strip_prefix("http://").map(|r| ("http", r)))?;
        let host = rest.1.split('/').next()?;
        // Subdomain templates ({s}.tile…) are allowed as a wildcard.
        let host = host.replace("{s}", "*");
        let ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
        ok.then(|| format!("{}://{host}", rest.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_origin_is_only_ever_an_origin() {
        let mut c = MapConfig::default();
        assert_eq!(
            c.tile_origin().as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        c.tile_url = "https://{s}.tiles.city.example.jp:8443/map/{z}/{x}/{y}.png".into();
        assert_eq!(
            c.tile_origin().as_deref(),
            Some("https://*.tiles.city.example.jp:8443")
        );
        c.tile_url = "http://127.0.0.1:9/{z}/{x}/{y}.png".into();
        assert_eq!(c.tile_origin().as_deref(), Some("http://127.0.0.1:9"));
        for bad in [
            "javascript:alert(1)",
            "https://x.jp'; script-src *",
            "tiles/{z}.png",
        ] {
            c.tile_url = bad.into();
            assert_eq!(c.tile_origin(), None, "{bad}");
        }
    }
}
