//! Sources of random choices: a seeded PRNG ([`Rng`]) or fuzzer bytes (`BytesSource`).

/// Where the generator takes its decisions from.
///
/// Every decision is a number below a bound, so a source of all zeros (exhausted fuzzer input)
/// still produces a valid, small module.
pub trait Source {
    /// A number in `0..n`; `n` must be at least 1 (a bound of 0 is treated as 1).
    fn below(&mut self, n: u64) -> u64;

    /// A raw 64-bit number (used for unusual literals).
    fn bits(&mut self) -> u64;

    /// True with probability about `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// A small deterministic PRNG (SplitMix64): the same seed always gives the same module.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        // SplitMix64 (Steele, Lea, Flood 2014).
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Source for Rng {
    fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift reduction: unbiased enough for fuzzing and never divides.
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    fn bits(&mut self) -> u64 {
        self.next_u64()
    }
}

/// Fuzzer bytes as a source of choices (with the `arbitrary` feature). Once the bytes run out
/// every choice is 0.
#[cfg(feature = "arbitrary")]
pub struct BytesSource<'a> {
    u: arbitrary::Unstructured<'a>,
}

#[cfg(feature = "arbitrary")]
impl<'a> BytesSource<'a> {
    /// Choices read from `data`.
    pub fn new(data: &'a [u8]) -> BytesSource<'a> {
        BytesSource {
            u: arbitrary::Unstructured::new(data),
        }
    }

    /// The same, from an existing `Unstructured`.
    pub fn from_unstructured(u: arbitrary::Unstructured<'a>) -> BytesSource<'a> {
        BytesSource { u }
    }
}

#[cfg(feature = "arbitrary")]
impl Source for BytesSource<'_> {
    fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        self.u.int_in_range(0..=n - 1).unwrap_or(0)
    }

    fn bits(&mut self) -> u64 {
        self.u.arbitrary::<u64>().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for n in 1..1000u64 {
            let x = a.below(n);
            assert_eq!(x, b.below(n));
            assert!(x < n);
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn rng_covers_small_ranges() {
        let mut r = Rng::new(99);
        let mut seen = [false; 5];
        for _ in 0..200 {
            seen[r.below(5) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
