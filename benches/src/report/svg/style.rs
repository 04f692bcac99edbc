//! A colour and a marker shape per contender, the same in every figure of a run.
//!
//! Colours are the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
//! stays distinguishable under the common colour-vision deficiencies, plus its grey; the
//! marker shape tells contenders apart where colours alone would not (print, overlap).

use std::collections::BTreeMap;

use plotters::style::RGBColor;

/// Okabe-Ito blue.
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe-Ito vermillion.
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe-Ito bluish green.
const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe-Ito reddish purple.
const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Okabe-Ito orange.
const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Okabe-Ito sky blue.
const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Okabe-Ito black.
const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
/// The grey that usually accompanies Okabe-Ito.
const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// Okabe-Ito yellow: too pale for a line on white, so only for fallback styles, hollow.
const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);

/// The colour of failed / timed-out markers, outside the contenders' palette.
pub const FAILED: RGBColor = RGBColor(0xD0, 0x00, 0x00);

/// A marker shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A disc.
    Circle,
    /// An axis-aligned square.
    Square,
    /// A triangle pointing up.
    TriangleUp,
    /// A triangle pointing down.
    TriangleDown,
    /// A square on its corner.
    Diamond,
    /// A plus sign (lines only).
    Plus,
    /// A six-armed asterisk (lines only).
    Star,
    /// A regular pentagon.
    Pentagon,
}

impl Shape {
    /// Shapes drawn as strokes have no inside to fill or hollow out.
    pub fn is_stroke(self) -> bool {
        matches!(self, Shape::Plus | Shape::Star)
    }
}

/// How one contender is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Style {
    /// Line and marker colour.
    pub color: RGBColor,
    /// Marker shape.
    pub shape: Shape,
    /// Filled marker (hollow otherwise; oversubscribed points are always hollow).
    pub filled: bool,
}

const fn style(color: RGBColor, shape: Shape, filled: bool) -> Style {
    Style {
        color,
        shape,
        filled,
    }
}

/// The contenders the harness ships, each with its own style.
const KNOWN: [(&str, Style); 9] = [
    ("finite", style(BLUE, Shape::Circle, true)),
    ("recursive", style(VERMILLION, Shape::Square, true)),
    ("work-stealing", style(GREEN, Shape::TriangleUp, true)),
    ("async", style(PURPLE, Shape::Diamond, true)),
    ("rayon", style(ORANGE, Shape::TriangleDown, true)),
    ("tokio", style(SKY, Shape::Plus, true)),
    ("threadpool", style(BLACK, Shape::Star, true)),
    ("thread-per-task", style(GREY, Shape::Pentagon, true)),
    ("sequential", style(BLACK, Shape::Square, false)),
];

/// Styles for contenders not in [`KNOWN`]: hollow shapes, so never equal to a known style.
fn fallbacks() -> Vec<Style> {
    let colors = [
        BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK, GREY, YELLOW,
    ];
    let shapes = [
        Shape::Diamond,
        Shape::TriangleUp,
        Shape::TriangleDown,
        Shape::Pentagon,
        Shape::Circle,
    ];
    shapes
        .iter()
        .flat_map(|&s| colors.iter().map(move |&c| style(c, s, false)))
        .filter(|f| KNOWN.iter().all(|(_, k)| k != f))
        .collect()
}

/// FNV-1a: a hash that, unlike std's, is the same in every build and process.
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The style of every contender of a run.
#[derive(Clone, Debug, Default)]
pub struct Styles(BTreeMap<String, Style>);

impl Styles {
    /// Assigns styles to `names`: known contenders get theirs; each other name a fallback
    /// chosen by its hash, probing on (in name order) to the next one not yet taken, so the
    /// choice depends only on the set of names in the run.
    pub fn for_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Styles {
        let mut map = BTreeMap::new();
        let mut unknown: Vec<&str> = Vec::new();
        for n in names {
            match KNOWN.iter().find(|(k, _)| *k == n) {
                Some((_, s)) => {
                    map.insert(n.to_owned(), *s);
                }
                None => unknown.push(n),
            }
        }
        unknown.sort_unstable();
        unknown.dedup();
        let pool = fallbacks();
        let mut taken = vec![false; pool.len()];
        for (i, n) in unknown.into_iter().enumerate() {
            // Past the pool's size styles repeat: names still differ in the legend.
            let start = (fnv1a(n) % pool.len() as u64) as usize;
            let slot = (0..pool.len())
                .map(|k| (start + k) % pool.len())
                .find(|&k| !taken[k])
                .unwrap_or((start + i) % pool.len());
            taken[slot] = true;
            map.insert(n.to_owned(), pool[slot]);
        }
        Styles(map)
    }

    /// The style of `name` (a fallback by hash if it was not among the names).
    pub fn of(&self, name: &str) -> Style {
        self.0.get(name).copied().unwrap_or_else(|| {
            let pool = fallbacks();
            pool[(fnv1a(name) % pool.len() as u64) as usize]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 9] = [
        "finite",
        "recursive",
        "work-stealing",
        "async",
        "rayon",
        "tokio",
        "threadpool",
        "thread-per-task",
        "sequential",
    ];

    #[test]
    fn known_contenders_have_distinct_styles() {
        let s = Styles::for_names(NAMES);
        for (i, a) in NAMES.iter().enumerate() {
            for b in &NAMES[i + 1..] {
                assert_ne!(s.of(a), s.of(b), "{a} and {b}");
            }
        }
    }

    #[test]
    fn styles_do_not_depend_on_order_or_on_which_figure() {
        let all = Styles::for_names(NAMES.iter().copied().chain(["floor", "extra"]));
        let reversed = Styles::for_names(NAMES.iter().rev().copied().chain(["extra", "floor"]));
        for n in NAMES.iter().chain(&["floor", "extra"]) {
            assert_eq!(all.of(n), reversed.of(n), "{n}");
        }
        assert_eq!(all.of("finite"), Styles::for_names(["finite"]).of("finite"));
    }

    #[test]
    fn new_contenders_get_styles_unlike_the_known_ones() {
        let s = Styles::for_names(NAMES.iter().copied().chain(["floor", "extra"]));
        for n in ["floor", "extra"] {
            assert!(NAMES.iter().all(|k| s.of(k) != s.of(n)), "{n}");
        }
        assert_ne!(s.of("floor"), s.of("extra"));
    }
}
