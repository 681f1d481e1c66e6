//! Exact arithmetic on the three number forms cty puts on the wire.
//!
//! Comparison and printing go through [`Decimal`], an exact base-10 form
//! (`digits × 10^exp`), so an int64, a float64 and a decimal string compare by
//! value without rounding.

use std::cmp::Ordering;

use super::{Number, NumberRepr};

/// Longest digit string accepted by [`Number::parse`]; cty's own numbers are
/// 512-bit floats, so anything beyond this is not a real configuration value
/// (and an exponent like `1e999999999` must not allocate gigabytes).
const MAX_DIGITS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid number: {reason}")]
pub struct NumberParseError {
    pub input: String,
    pub reason: &'static str,
}

/// `(-1)^neg × digits × 10^exp`, with no leading or trailing zeros in `digits`
/// (zero is the empty digit string), so equal values have equal fields.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    fn new(neg: bool, mut digits: Vec<u8>, mut exp: i64) -> Self {
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        while digits.last() == Some(&0) {
            digits.pop();
            exp += 1;
        }
        let neg = neg && !digits.is_empty();
        if digits.is_empty() {
            exp = 0;
        }
        Decimal { neg, digits, exp }
    }

    fn from_u128(neg: bool, mut n: u128) -> Self {
        let mut digits = Vec::new();
        while n > 0 {
            digits.push((n % 10) as u8);
            n /= 10;
        }
        digits.reverse();
        Decimal::new(neg, digits, 0)
    }

    /// The exact value of a finite float64: mantissa × 2^e.
    fn from_f64(f: f64) -> Self {
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (mantissa, e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), biased - 1075)
        };
        let mut big = BigDigits::from_u64(mantissa);
        if e >= 0 {
            for _ in 0..e {
                big.mul_small(2);
            }
            Decimal::new(neg, big.into_decimal_digits(), 0)
        } else {
            // m × 2^e = m × 5^-e × 10^e
            for _ in 0..-e {
                big.mul_small(5);
            }
            Decimal::new(neg, big.into_decimal_digits(), e)
        }
    }

    fn parse(input: &str) -> Result<Self, NumberParseError> {
        let fail = |reason| NumberParseError {
            input: input.to_owned(),
            reason,
        };
        let s = input.trim();
        let (neg, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(fail("no digits"));
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(fail("unexpected character"));
        }
        let mut exp: i64 = match exponent {
            None => 0,
            Some("") => return Err(fail("empty exponent")),
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(fail("invalid exponent"));
                }
                e.parse::<i64>()
                    .map_err(|_| fail("exponent out of range"))?
            }
        };
        let digits: Vec<u8> = int_part
            .bytes()
            .chain(frac_part.bytes())
            .map(|b| b - b'0')
            .collect();
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| fail("too many digits"))?;
        exp = exp
            .checked_sub(frac_len)
            .ok_or_else(|| fail("exponent out of range"))?;
        let d = Decimal::new(neg, digits, exp);
        // Plain-digit rendering must stay bounded.
        let rendered = d.digits.len() as i64 + d.exp.abs();
        if rendered > MAX_DIGITS as i64 {
            return Err(fail("too many digits"));
        }
        Ok(d)
    }

    fn is_integer(&self) -> bool {
        self.exp >= 0
    }

    fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() || self.digits.len() as i64 + self.exp > 19 {
            return None;
        }
        let mut n: i128 = 0;
        for d in &self.digits {
            n = n * 10 + i128::from(*d);
        }
        for _ in 0..self.exp {
            n *= 10;
        }
        if self.neg {
            n = -n;
        }
        i64::try_from(n).ok()
    }

    /// Plain positional notation, no exponent: "-12", "0.005", "1200".
    fn render(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_owned();
        }
        let mut out = String::new();
        if self.neg {
            out.push('-');
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        if self.exp >= 0 {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', self.exp as usize));
        } else {
            let frac = (-self.exp) as usize;
            if digits.len() > frac {
                let (i, f) = digits.split_at(digits.len() - frac);
                out.push_str(i);
                out.push('.');
                out.push_str(f);
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', frac - digits.len()));
                out.push_str(&digits);
            }
        }
        out
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = |d: &Decimal| -> Ordering {
            // Compare |self| with |other|: first by position of the leading digit.
            let lead_self = self.digits.len() as i64 + self.exp;
            let lead_other = d.digits.len() as i64 + d.exp;
            lead_self
                .cmp(&lead_other)
                .then_with(|| self.digits.cmp(&d.digits))
        };
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if other.neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                return if self.neg {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            _ => {}
        }
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => magnitude(other),
            (true, true) => magnitude(other).reverse(),
        }
    }
}

/// Little-endian base-10^9 unsigned integer: just enough for float64 expansion.
struct BigDigits(Vec<u32>);

impl BigDigits {
    const BASE: u64 = 1_000_000_000;

    fn from_u64(mut n: u64) -> Self {
        let mut limbs = Vec::new();
        while n > 0 {
            limbs.push((n % Self::BASE) as u32);
            n /= Self::BASE;
        }
        BigDigits(limbs)
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = (v % Self::BASE) as u32;
            carry = v / Self::BASE;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn into_decimal_digits(self) -> Vec<u8> {
        let mut s = String::new();
        for (i, limb) in self.0.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&limb.to_string());
            } else {
                s.push_str(&format!("{limb:09}"));
            }
        }
        s.bytes().map(|b| b - b'0').collect()
    }
}

impl Number {
    /// A float64 number; `None` for NaN and infinities, which cty cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite().then_some(Number(NumberRepr::Float(f)))
    }

    /// Parse a decimal literal (`-12`, `0.005`, `1.5e3`). Integers that fit an
    /// int64 become ints; everything else keeps its exact decimal value.
    pub fn parse(s: &str) -> Result<Number, NumberParseError> {
        let d = Decimal::parse(s)?;
        Ok(match d.to_i64() {
            Some(i) => Number(NumberRepr::Int(i)),
            None => Number(NumberRepr::Decimal(d.render())),
        })
    }

    /// The value as an int64, only when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            NumberRepr::Int(i) => Some(*i),
            NumberRepr::Float(f) => {
                // 2^63 is exactly representable; anything >= it overflows.
                let in_range =
                    *f >= -9_223_372_036_854_775_808.0 && *f < 9_223_372_036_854_775_808.0;
                (f.fract() == 0.0 && in_range).then_some(*f as i64)
            }
            NumberRepr::Decimal(_) => self.decimal().to_i64(),
        }
    }

    /// The nearest float64 (decimals beyond float64 range become ±infinity).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            NumberRepr::Int(i) => *i as f64,
            NumberRepr::Float(f) => *f,
            // Rust's float parsing is correctly rounded, and our canonical
            // literal is always valid syntax for it.
            NumberRepr::Decimal(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    /// The exact value in plain positional notation (0.5 -> "0.5",
    /// 0.1f64 -> "0.1000000000000000055511151231257827021181583404541015625").
    pub fn to_decimal_string(&self) -> String {
        match &self.0 {
            NumberRepr::Int(i) => i.to_string(),
            NumberRepr::Float(f) => Decimal::from_f64(*f).render(),
            NumberRepr::Decimal(s) => s.clone(),
        }
    }

    /// True when the value has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.decimal().is_integer()
    }

    fn decimal(&self) -> Decimal {
        match &self.0 {
            NumberRepr::Int(i) => Decimal::from_u128(*i < 0, u128::from(i.unsigned_abs())),
            NumberRepr::Float(f) => Decimal::from_f64(*f),
            // Decimal strings are only built from a parsed Decimal, so this
            // cannot fail; zero is the harmless fallback.
            NumberRepr::Decimal(s) => {
                Decimal::parse(s).unwrap_or_else(|_| Decimal::new(false, Vec::new(), 0))
            }
        }
    }

    /// An unsigned 64-bit value (msgpack uint64 above int64 range).
    pub(crate) fn from_u64(u: u64) -> Number {
        match i64::try_from(u) {
            Ok(i) => Number(NumberRepr::Int(i)),
            Err(_) => Number(NumberRepr::Decimal(u.to_string())),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number(NumberRepr::Int(i))
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (NumberRepr::Int(a), NumberRepr::Int(b)) => a == b,
            (NumberRepr::Float(a), NumberRepr::Float(b)) => a == b,
            _ => self.decimal() == other.decimal(),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.decimal().cmp(&other.decimal()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn floats_expand_exactly() {
        assert_eq!(Number::from_f64(0.5).unwrap().to_decimal_string(), "0.5");
        assert_eq!(
            Number::from_f64(0.1).unwrap().to_decimal_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(
            Number::from_f64(-1024.0).unwrap().to_decimal_string(),
            "-1024"
        );
        assert_eq!(
            Number::from_f64(1e20).unwrap().to_decimal_string(),
            "100000000000000000000"
        );
        assert_eq!(Number::from_f64(0.0).unwrap().to_decimal_string(), "0");
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::INFINITY).is_none());
        let tiny = Number::from_f64(f64::from_bits(1))
            .unwrap()
            .to_decimal_string();
        assert!(tiny.starts_with("0.000") && tiny.ends_with("5"), "{tiny}");
    }

    #[test]
    fn parse_forms() {
        assert_eq!(n("42").0.clone_int(), Some(42));
        assert_eq!(n("-0.005").to_decimal_string(), "-0.005");
        assert_eq!(n("1.5e3").as_i64(), Some(1500));
        assert_eq!(n("12E-1").to_decimal_string(), "1.2");
        assert_eq!(
            n("1e30").to_decimal_string(),
            "1000000000000000000000000000000"
        );
        assert_eq!(n("-0").to_decimal_string(), "0");
        assert_eq!(n("007.50").to_decimal_string(), "7.5");
        for bad in [
            "",
            "-",
            "1.2.3",
            "abc",
            "1e",
            "1e+",
            "0x10",
            "1e99999999999999999999",
            "1e100000",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn equality_is_numeric() {
        assert_eq!(Number::from(1), Number::from_f64(1.0).unwrap());
        assert_eq!(Number::from(1), n("1.0"));
        assert_eq!(n("0.5"), Number::from_f64(0.5).unwrap());
        assert_ne!(n("0.1"), Number::from_f64(0.1).unwrap());
        assert_ne!(Number::from(1), Number::from(-1));
        assert!(n("-2") < n("-1.5") && n("0.001") < n("0.01") && n("10") > n("9.99"));
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(Number::from_f64(3.0).unwrap().as_i64(), Some(3));
        assert_eq!(Number::from_f64(3.5).unwrap().as_i64(), None);
        assert_eq!(Number::from_f64(9.3e18).unwrap().as_i64(), None);
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(
            Number::from_u64(u64::MAX).to_decimal_string(),
            "18446744073709551615"
        );
        assert_eq!(n("2.5").as_f64(), 2.5);
        assert!(!n("2.5").is_integer() && n("2e3").is_integer());
    }

    impl NumberRepr {
        fn clone_int(&self) -> Option<i64> {
            match self {
                NumberRepr::Int(i) => Some(*i),
                _ => None,
            }
        }
    }
}
