//! Turns an RSA public key in PEM into the PKCS#1 DER that `jsonwebtoken` expects.
//!
//! The workspace builds `jsonwebtoken` without its `use_pem` feature (no
//! `pem`/`simple_asn1` crates), so this is a deliberately small DER walker:
//! it accepts `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo with the
//! `rsaEncryption` OID) and `BEGIN RSA PUBLIC KEY` (PKCS#1), checks the
//! structure, and refuses everything else. It only ever reads configured
//! keys, never attacker-supplied token bytes.

use crate::error::CryptoError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
/// 1.2.840.113549.1.1.1 (`rsaEncryption`).
const RSA_ENCRYPTION_OID: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

const fn invalid(reason: &'static str) -> CryptoError {
    CryptoError::InvalidKey { reason }
}

/// The PKCS#1 `RSAPublicKey` DER inside a PEM public key.
pub(crate) fn rsa_public_key_der(pem: &str) -> Result<Vec<u8>, CryptoError> {
    if let Some(der) = pem_body(pem, "PUBLIC KEY")? {
        return spki_to_pkcs1(&der);
    }
    if let Some(der) = pem_body(pem, "RSA PUBLIC KEY")? {
        check_pkcs1(&der)?;
        return Ok(der);
    }
    Err(invalid("expected a PEM block `BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`"))
}

/// The base64-decoded body of the PEM block labelled `label`, if there is one.
fn pem_body(pem: &str, label: &str) -> Result<Option<Vec<u8>>, CryptoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let Some(start) = pem.find(&begin) else { return Ok(None) };
    let rest = &pem[start + begin.len()..];
    let Some(stop) = rest.find(&end) else { return Err(invalid("PEM block has no END line")) };
    let body: String = rest[..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(body).map(Some).map_err(|_| invalid("PEM body is not valid base64"))
}

/// Reads one DER element: `(tag, contents, rest)`.
fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), CryptoError> {
    let malformed = || invalid("malformed DER");
    let (&tag, rest) = input.split_first().ok_or_else(malformed)?;
    let (&first, mut rest) = rest.split_first().ok_or_else(malformed)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(malformed());
        }
        let (bytes, tail) = rest.split_at(count);
        rest = tail;
        bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if rest.len() < len {
        return Err(malformed());
    }
    let (contents, rest) = rest.split_at(len);
    Ok((tag, contents, rest))
}

fn expect(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), CryptoError> {
    match read_tlv(input)? {
        (found, contents, rest) if found == tag => Ok((contents, rest)),
        _ => Err(invalid("unexpected DER structure for an RSA public key")),
    }
}

/// `SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0x00, RSAPublicKey } }`.
fn spki_to_pkcs1(der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (spki, trailing) = expect(der, TAG_SEQUENCE)?;
    if !trailing.is_empty() {
        return Err(invalid("trailing bytes after the public key"));
    }
    let (algorithm, rest) = expect(spki, TAG_SEQUENCE)?;
    let (oid, _parameters) = expect(algorithm, TAG_OID)?;
    if oid != RSA_ENCRYPTION_OID {
        return Err(invalid("not an RSA public key (rsaEncryption OID expected)"));
    }
    let (bits, rest) = expect(rest, TAG_BIT_STRING)?;
    if !rest.is_empty() {
        return Err(invalid("trailing bytes after the public key"));
    }
    match bits.split_first() {
        Some((0, pkcs1)) => {
            check_pkcs1(pkcs1)?;
            Ok(pkcs1.to_vec())
        }
        _ => Err(invalid("public key bit string has unused bits")),
    }
}

/// `SEQUENCE { INTEGER modulus, INTEGER publicExponent }`.
fn check_pkcs1(der: &[u8]) -> Result<(), CryptoError> {
    let (key, trailing) = expect(der, TAG_SEQUENCE)?;
    let (_modulus, rest) = expect(key, TAG_INTEGER)?;
    let (_exponent, rest) = expect(rest, TAG_INTEGER)?;
    if rest.is_empty() && trailing.is_empty() { Ok(()) } else { Err(invalid("trailing bytes in RSAPublicKey")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway 2048-bit test key (the one in `shared/vectors/jwt_hs256.json`).
    const SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhuquKHMrC6HDm0p7g0dF
+Seoqmk32cY3c93ElvcqDSUcnjuTauz2j5PlT64pRssBeGjD9ohEYH5mFz4sMR+p
608n+kLEMVyWS9gGvyDGz7vFGv/QUBSkFsVYzRSEOXzYWekFgK35UmbLjiBmc1zh
Ymyf1/UPwmulTvGwE+fb18ZbKqec4Hdh/rKCqtOkp+jvLDpduRPkeIUxouuzSaKj
WBdOas1hklHttyj2OO+cEuBkNeH0mDz6kn+/PWrGDXgXx/zpEnXd7zdvDlEJlwRL
64d35xQFlzHiY7blsyOK+5sM9JIBi0s+i6j4zLvrvIpFxjOUh07e6kOCWlxV3+Ll
JQIDAQAB
-----END PUBLIC KEY-----
";

    #[test]
    fn spki_yields_the_pkcs1_key() {
        let der = rsa_public_key_der(SPKI).expect("valid key");
        // SEQUENCE (long form, 0x010A bytes) starting with a 257-byte INTEGER modulus.
        assert_eq!(&der[..6], &[0x30, 0x82, 0x01, 0x0A, 0x02, 0x82]);
        assert_eq!(der.len(), 0x010A + 4);
    }

    #[test]
    fn pkcs1_pem_is_accepted_as_is() {
        let der = rsa_public_key_der(SPKI).expect("valid key");
        let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n", STANDARD.encode(&der));
        assert_eq!(rsa_public_key_der(&pem).expect("valid key"), der);
    }

    #[test]
    fn other_inputs_are_refused() {
        for bad in [
            "",
            "not a key",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nMIIB",
            "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
        ] {
            assert!(rsa_public_key_der(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_ec_key_is_not_an_rsa_key() {
        // A P-256 SubjectPublicKeyInfo (id-ecPublicKey OID).
        let ec = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9
q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==
-----END PUBLIC KEY-----";
        assert!(matches!(rsa_public_key_der(ec), Err(CryptoError::InvalidKey { .. })));
    }
}
