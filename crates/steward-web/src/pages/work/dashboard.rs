//! The manager's dashboard at `/dashboard`: tiles with a big number, a bar chart drawn as
//! SVG on the server (no script), and a link to the list behind each. The tiles are the
//! ones the domains registered (`Registry::tile`).
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::work::dashboard::{self, Tile};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route("/dashboard", get(index::<S>))
}

/// One bar of a chart, laid out (SVG user units).
pub struct BarView {
    pub label: String,
    pub value: i64,
    pub link: Option<String>,
    pub y: i64,
    pub text_y: i64,
    pub width: i64,
    pub value_x: i64,
}

pub struct TileView {
    /// `tile-<key with dashes>`, for links and tests.
    pub anchor: String,
    pub tile: Tile,
    pub bars: Vec<BarView>,
    pub chart_height: i64,
}

const LABEL_W: i64 = 110;
const BAR_MAX: i64 = 150;
const ROW_H: i64 = 22;

fn short(s: &str) -> String {
    if s.chars().count() <= 16 {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(15).collect();
        c.push('…');
        c
    }
}

pub fn layout(tile: Tile) -> TileView {
    let max = tile.bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let bars: Vec<BarView> = tile
        .bars
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, b)| {
            let i = i64::try_from(i).unwrap_or(0);
            let width = if b.value <= 0 {
                0
            } else {
                (b.value.saturating_mul(BAR_MAX) / max).max(2)
            };
            BarView {
                label: short(&b.label),
                value: b.value,
                link: b.link.clone(),
                y: i * ROW_H + 3,
                text_y: i * ROW_H + 16,
                width,
                value_x: LABEL_W + width + 4,
            }
        })
        .collect();
    let chart_height = i64::try_from(bars.len()).unwrap_or(0) * ROW_H + 4;
    TileView {
        anchor: format!("tile-{}", tile.key.replace(['.', ' '], "-")),
        tile,
        bars,
        chart_height,
    }
}

#[derive(Template)]
#[template(path = "work/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    tiles: Vec<TileView>,
    label_w: i64,
}

async fn index<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    // The shell's reads and the tiles' at once.
    let (tiles, chrome) = tokio::join!(
        dashboard::dashboard(state.registry.tiles(), &pa.actor),
        chrome(&state, &pa, "Dashboard", "/dashboard")
    );
    let tiles = match tiles {
        Ok(t) => t,
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(
        &DashboardPage {
            chrome,
            tiles: tiles.into_iter().map(layout).collect(),
            label_w: LABEL_W,
        },
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_core::work::dashboard::Bar;

    #[test]
    fn bars_scale_to_the_largest() {
        let t = Tile::new("t.x", "T", 3, "", "/x").with_bars(vec![
            Bar {
                label: "a very long person name indeed".into(),
                value: 10,
                link: None,
            },
            Bar {
                label: "b".into(),
                value: 5,
                link: Some("/b".into()),
            },
            Bar {
                label: "c".into(),
                value: 0,
                link: None,
            },
        ]);
        let v = layout(t);
        assert_eq!(v.anchor, "tile-t-x");
        assert_eq!(v.bars[0].width, BAR_MAX);
        assert_eq!(v.bars[1].width, BAR_MAX / 2);
        assert_eq!(v.bars[2].width, 0);
        assert_eq!(v.bars[0].label.chars().count(), 16);
        assert_eq!(v.bars[1].y, ROW_H + 3);
        assert_eq!(v.chart_height, 3 * ROW_H + 4);
    }
}
