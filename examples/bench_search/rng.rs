//! Randomness: a small deterministic generator, so every run generates the same data.

pub struct Rng(pub u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive - low + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Items with weights; picks in O(log n).
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    pub fn new(items: Vec<T>, weights: impl IntoIterator<Item = f64>) -> Weighted<T> {
        let mut sum = 0.0;
        let cumulative: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        assert_eq!(items.len(), cumulative.len());
        Weighted { items, cumulative }
    }

    /// Weight 1/(rank+1)^s: the first items carry most.
    pub fn zipf(items: Vec<T>, s: f64) -> Weighted<T> {
        let weights: Vec<f64> = (0..items.len())
            .map(|r| 1.0 / ((r + 1) as f64).powf(s))
            .collect();
        Weighted::new(items, weights)
    }

    pub fn pick(&self, rng: &mut Rng) -> &T {
        let total = *self.cumulative.last().expect("items");
        let x = rng.f64() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}
