//! One-time codes: sent by SMS (or e-mail to link an address) within the sending limits, and checked.
use portal_api::*;

use super::IdentityService;
use super::{codes, normalize, throttle};
use crate::{
    common::now,
    db::{CodeCheck, NewCode},
    error::{AppError, AppResult},
};

impl IdentityService {
    pub async fn send_code(&self, req: SendCodeRequest, client_ip: &str) -> AppResult<SendCodeResponse> {
        let target = match req.channel {
            CodeChannel::Sms => normalize::phone(&req.target)?,
            CodeChannel::Email => normalize::email(&req.target)?,
        };
        let kind = match req.channel {
            CodeChannel::Sms => IdentityKind::Phone,
            CodeChannel::Email => IdentityKind::Email,
        };
        if req.channel == CodeChannel::Email && req.purpose != CodePurpose::Link {
            return Err(AppError::field(
                ErrorCode::InvalidPhone,
                "channel",
                "Sign-up and sign-in codes go to a phone number; e-mail codes are for linking an address.",
            ));
        }
        let existing = self.accounts.find_identity(kind, &target).await?;
        match (req.purpose, existing) {
            (CodePurpose::SignIn, None) => {
                return Err(AppError::new(
                    ErrorCode::AccountNotFound,
                    "No account uses this phone number yet. Sign up instead.",
                ))
            }
            (CodePurpose::CounterConsent, _) => {
                return Err(AppError::field(
                    ErrorCode::Forbidden,
                    "purpose",
                    "A counter code is asked for by the promoter serving the customer.",
                ))
            }
            (CodePurpose::SignUp | CodePurpose::Link, Some(_)) => {
                return Err(AppError::field(
                    ErrorCode::IdentityTaken,
                    "target",
                    "This phone number or e-mail already belongs to an account. Sign in instead.",
                ))
            }
            _ => {}
        }
        self.deliver_code(req.channel, target, req.purpose, req.purpose.as_str().to_owned(), client_ip).await
    }

    /// Makes a code for `target` and `purpose`, within the sending limits, and sends it. The code
    /// is kept under `purpose_key` (the purpose, or the purpose bound to who may use the code).
    pub(crate) async fn deliver_code(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
    ) -> AppResult<SendCodeResponse> {
        self.issue_code(channel, target, purpose_of, purpose_key, client_ip, true).await
    }

    /// A code made, throttled and kept exactly as `deliver_code` does, but sent nowhere: the
    /// answer to a request that must not tell whether its number belongs to anyone (nobody can
    /// then read the code out, so it never matches).
    pub(crate) async fn issue_code_unsent(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
    ) -> AppResult<SendCodeResponse> {
        self.issue_code(channel, target, purpose_of, purpose_key, client_ip, false).await
    }

    async fn issue_code(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
        send: bool,
    ) -> AppResult<SendCodeResponse> {
        let req = SendCodeRequest { channel, target: target.clone(), purpose: purpose_of };
        let now = now();
        let cfg = &self.config;
        let code = codes::generate();
        let purpose = purpose_key.as_str();
        let limits = throttle::Limits {
            resend_interval_secs: cfg.code_resend_interval_secs as i64,
            per_target_per_hour: cfg.code_max_per_target_per_hour,
            per_address_per_hour: cfg.code_max_per_ip_per_hour,
            global_per_hour: cfg.code_max_per_hour,
        };
        let new_code = NewCode {
            channel: req.channel.as_str().into(),
            target: target.clone(),
            purpose: purpose.into(),
            code_hash: codes::hash(&self.keys.code, &target, purpose, &code),
            client_ip: client_ip.into(),
            created_at: now,
            expires_at: now + cfg.code_ttl_secs as i64,
        };
        match self.sign_in.insert_code_if_allowed(new_code, limits).await? {
            Ok(()) => {}
            Err(throttle::Refusal::TooSoon { wait_secs }) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    wait_secs as u64,
                    "A code was just sent to this number. Wait before asking for another.",
                ))
            }
            Err(throttle::Refusal::TargetHourly { wait_secs }) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    wait_secs as u64,
                    "Too many codes were sent to this number in the last hour.",
                ))
            }
            Err(throttle::Refusal::AddressHourly) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    600,
                    "Too many codes were requested from this network. Try again later.",
                ))
            }
            Err(throttle::Refusal::GlobalHourly) => {
                tracing::warn!("the hourly budget of messages is used up; code sends refused");
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    900,
                    "The service is sending too many messages right now. Try again later or sign in with a password.",
                ));
            }
        }
        let minutes = cfg.code_ttl_secs.div_ceil(60);
        let body = match purpose_of {
            CodePurpose::CounterConsent => format!(
                "【品牌门户】门店店员正在为您服务，请求查看您的会员资料。同意请告知验证码 {code}（{minutes} 分钟内有效）；如您不在门店，请勿提供。\
                 A store promoter serving you asks to see your customer profile: give them {code} to agree ({minutes} min); if you are not at a store, ignore this."
            ),
            _ => format!(
                "【品牌门户】验证码 {code}，{minutes} 分钟内有效，请勿告诉他人。Your code is {code}; it expires in {minutes} min."
            ),
        };
        if send {
            self.deliver(OutboxMessage { channel: req.channel, to: target.clone(), body, code, sent_at: now }).await?;
        }
        Ok(SendCodeResponse {
            target,
            expires_in_secs: cfg.code_ttl_secs,
            resend_after_secs: cfg.code_resend_interval_secs,
        })
    }

    pub(crate) async fn verify_code(&self, target: &str, purpose: CodePurpose, code: &str) -> AppResult<()> {
        self.verify_code_for(target, purpose.as_str(), code).await
    }

    /// Checks a code kept under `purpose` (a purpose's name, or one bound to who may use it).
    pub(crate) async fn verify_code_for(&self, target: &str, purpose: &str, code: &str) -> AppResult<()> {
        let code = code.trim();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(AppError::field(ErrorCode::InvalidCode, "code", "The code is the 6 digits in the message."));
        }
        let hash = codes::hash(&self.keys.code, target, purpose, code);
        match self.sign_in.check_code(target, purpose, &hash, self.config.code_max_attempts, now()).await? {
            CodeCheck::Accepted => Ok(()),
            CodeCheck::Wrong { attempts_left } => Err(AppError::field(
                ErrorCode::InvalidCode,
                "code",
                format!("The code is wrong; {attempts_left} tries left."),
            )),
            CodeCheck::NoLiveCode => Err(AppError::field(
                ErrorCode::InvalidCode,
                "code",
                "No code is waiting for this number. Ask for a new code.",
            )),
            CodeCheck::Expired => {
                Err(AppError::field(ErrorCode::CodeExpired, "code", "The code has expired. Ask for a new code."))
            }
            CodeCheck::AttemptsExhausted => Err(AppError::field(
                ErrorCode::TooManyAttempts,
                "code",
                "Too many wrong tries for this code. Ask for a new code.",
            )),
        }
    }
}
