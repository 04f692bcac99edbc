//! What a figure shows, as plain data: series of medians with intervals, reference lines,
//! failed cells and the cores line; filled from a run's samples and drawn by
//! [`super::draw::render`].

/// One cell's median and the interval drawn around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Position on the x axis (data units).
    pub x: f64,
    /// The median.
    pub y: f64,
    /// Lower end of the median's interval.
    pub lo: f64,
    /// Upper end of the median's interval.
    pub hi: f64,
    /// More workers than cores: drawn hollow.
    pub oversubscribed: bool,
}

/// One contender's points.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The contender (selects the style).
    pub contender: String,
    /// The legend text.
    pub label: String,
    /// The points, by increasing x.
    pub points: Vec<Point>,
    /// A single configuration (one thread, or unbounded) drawn as a dashed line with a
    /// band across the whole x range, for comparison with the others at every x.
    pub flat: bool,
}

/// A black model line (e.g. the Little's-law bound).
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// The legend text.
    pub label: String,
    /// Its points, by increasing x.
    pub points: Vec<(f64, f64)>,
}

/// A cell that failed or timed out: a red X at the top of the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// Its x (`None`: no position on the axis, e.g. an unbounded contender; drawn at the
    /// left edge).
    pub x: Option<f64>,
    /// The text beside the X: contender and status.
    pub label: String,
}

/// What an axis measures.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisSpec {
    /// The axis title, with its unit.
    pub title: String,
    /// The unit SI-prefixed on tick labels (`""` for counts).
    pub unit: &'static str,
    /// Names for the integer positions 0, 1, ... of a categorical axis (empty: numeric).
    pub names: Vec<String>,
    /// A linear axis starts at zero (rates: a bar from zero reads honestly).
    pub from_zero: bool,
}

/// Everything one figure shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The caption.
    pub title: String,
    /// The horizontal axis.
    pub x: AxisSpec,
    /// The vertical axis.
    pub y: AxisSpec,
    /// One per contender, in the order they appear in the run.
    pub series: Vec<Series>,
    /// A model line, if the workload has one.
    pub reference: Option<Reference>,
    /// Failed and timed-out cells.
    pub failures: Vec<Failure>,
    /// The machine's cores, for a dashed line where oversubscription starts.
    pub cores: Option<f64>,
}

impl Figure {
    /// The x values that position data (not flat lines), for the axis range and ticks.
    pub fn x_values(&self) -> Vec<f64> {
        let points = self
            .series
            .iter()
            .filter(|s| !s.flat)
            .flat_map(|s| s.points.iter().map(|p| p.x));
        let refs = self
            .reference
            .iter()
            .flat_map(|r| r.points.iter().map(|p| p.0));
        let failed = self.failures.iter().filter_map(|f| f.x);
        points.chain(refs).chain(failed).collect()
    }

    /// Every y value to keep in view: medians, interval ends and model lines.
    pub fn y_values(&self) -> Vec<f64> {
        let points = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.y, p.lo, p.hi]));
        let refs = self
            .reference
            .iter()
            .flat_map(|r| r.points.iter().map(|p| p.1));
        points.chain(refs).collect()
    }
}
