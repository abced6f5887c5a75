//! Turning what people type into canonical identity values, or a clear error.
use portal_api::ErrorCode;

use crate::error::AppError;

/// A phone number in E.164. A number without a country code is read as mainland China (+86).
/// The last four digits of a normalized phone number, for default display names.
pub fn phone_tail(phone: &str) -> &str {
    let start = phone.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    &phone[start..]
}

pub fn phone(input: &str) -> Result<String, AppError> {
    let invalid = |why: &str| {
        AppError::field(
            ErrorCode::InvalidPhone,
            "phone",
            format!("{why} Enter a mainland mobile number (11 digits starting with 1) or an international number starting with +."),
        )
    };
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
        (true, rest.to_owned())
    } else if let Some(rest) = compact.strip_prefix("00") {
        (true, rest.to_owned())
    } else {
        (false, compact.clone())
    };
    if digits.is_empty() {
        return Err(invalid("The phone number is empty."));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("A phone number holds only digits."));
    }
    let e164 = if international { digits } else { format!("86{digits}") };
    if let Some(national) = e164.strip_prefix("86") {
        let b = national.as_bytes();
        if national.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(invalid("This is not a valid mainland China mobile number."));
        }
    } else if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
        return Err(invalid("An international number has 8 to 15 digits after the +."));
    }
    Ok(format!("+{e164}"))
}

/// A lower-cased e-mail address with a plausible domain.
pub fn email(input: &str) -> Result<String, AppError> {
    let invalid = |why: &str| {
        AppError::field(ErrorCode::InvalidEmail, "email", format!("{why} Check the address and try again."))
    };
    let value = input.trim().to_lowercase();
    if value.len() > 254 {
        return Err(invalid("The e-mail address is too long."));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(invalid("An e-mail address needs an @."));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok {
        return Err(invalid("The part before the @ is not valid."));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !domain_ok {
        return Err(invalid("The domain after the @ is not valid."));
    }
    Ok(value)
}

/// 3–32 characters of a–z, 0–9, `_`, `.`, `-`, starting with a letter; stored lower-case.
pub fn username(input: &str) -> Result<String, AppError> {
    let value = input.trim().to_lowercase();
    let ok = (3..=32).contains(&value.chars().count())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    if ok {
        Ok(value)
    } else {
        Err(AppError::field(
            ErrorCode::InvalidUsername,
            "username",
            "A username has 3 to 32 letters, digits, '_', '.' or '-', and starts with a letter.",
        ))
    }
}

pub fn display_name(input: &str) -> Result<String, AppError> {
    let value = input.trim().to_owned();
    let count = value.chars().count();
    if (1..=40).contains(&count) && !value.chars().any(char::is_control) {
        Ok(value)
    } else {
        Err(AppError::field(ErrorCode::InvalidDisplayName, "display_name", "A name has 1 to 40 characters."))
    }
}

/// What kind of login a person typed into the single "phone, e-mail or username" field.
#[derive(Debug, PartialEq, Eq)]
pub enum Login {
    Phone(String),
    Email(String),
    Username(String),
}

pub fn login(input: &str) -> Result<Login, AppError> {
    let trimmed = input.trim();
    if trimmed.contains('@') {
        Ok(Login::Email(email(trimmed)?))
    } else if trimmed.starts_with('+')
        || (!trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-'))
    {
        Ok(Login::Phone(phone(trimmed)?))
    } else {
        Ok(Login::Username(username(trimmed)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_tail_is_its_last_four_digits() {
        assert_eq!(phone_tail("+8613800138000"), "8000");
        assert_eq!(phone_tail("12"), "12");
    }

    #[test]
    fn mainland_numbers_get_plus_86() {
        assert_eq!(phone("138 0013 8000").unwrap(), "+8613800138000");
        assert_eq!(phone("+86 138-0013-8000").unwrap(), "+8613800138000");
        assert_eq!(phone("008613800138000").unwrap(), "+8613800138000");
        assert_eq!(phone("+44 20 7946 0958").unwrap(), "+442079460958");
    }

    #[test]
    fn bad_phone_numbers_are_refused_with_a_code() {
        for bad in ["", "12345", "1380013800", "23800138000", "+86 128 0013 8000", "abc", "+0123456789", "+1234567"] {
            let err = phone(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidPhone, "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Li.Wei@Example.COM ").unwrap(), "li.wei@example.com");
        for bad in ["a", "a@", "@b.com", "a@b", "a@b.c", "a b@c.com", "a@-b.com", "a..b@c.com"] {
            assert_eq!(email(bad).unwrap_err().code(), ErrorCode::InvalidEmail, "{bad}");
        }
    }

    #[test]
    fn logins_are_classified() {
        assert_eq!(login("13800138000").unwrap(), Login::Phone("+8613800138000".into()));
        assert_eq!(login("x@y.cn").unwrap(), Login::Email("x@y.cn".into()));
        assert_eq!(login("Admin").unwrap(), Login::Username("admin".into()));
        assert!(login("1x").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(display_name("  王小明 ").unwrap(), "王小明");
        assert!(display_name("").is_err());
        assert!(display_name(&"长".repeat(41)).is_err());
        assert!(username("ab").is_err());
        assert!(username("9lives").is_err());
        assert_eq!(username("Li_Wei").unwrap(), "li_wei");
    }
}
