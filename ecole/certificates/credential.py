"""The signed credential of a certificate: an Open Badges 3.0 credential with an eddsa-rdfc-2022 proof.

The PDF of a certificate is for people; this document is for machines. Any wallet or verifier
that speaks Open Badges 3.0 (W3C Verifiable Credentials 2.0 data model) can check, without asking
the school, that the school issued it and that nothing in it changed since.

Steps, as W3C "Data Integrity EdDSA Cryptosuites v1.0" defines eddsa-rdfc-2022:

1. `build_credential` writes the OpenBadgeCredential: contexts VC 2.0 and OB 3.0.3, `id` the
   verify URL, the issuer Profile (`<base>/issuer.json`), `validFrom`, and an AchievementSubject.
2. `sign` makes the proof configuration (type DataIntegrityProof, cryptosuite, created,
   verificationMethod, proofPurpose assertionMethod, and the credential's @context), turns it and
   the credential into RDF and canonicalizes both with RDFC-1.0 (pyld's URDNA2015, the same
   algorithm) into N-Quads, hashes each with SHA-256, signs proofConfigHash + documentHash with
   Ed25519 and writes the signature as multibase base58-btc: proofValue = "z" + base58(signature).
3. `verify` redoes step 2 from the signed document: one character changed anywhere, in the
   credential or in the proof, and the signature no longer matches (False, never an exception).

JSON-LD contexts are never fetched: `load_context` serves the files of contexts/ (byte for byte
the published ones, see contexts/README.md) and refuses any other URL, so a credential naming an
unknown context does not verify. A term that no context defines is refused rather than silently
dropped (JSON-LD "safe mode"): a signature never covers less than the document shows.

What the credential says, and where OB 3.0 puts it:
- the holder: `identifier` holds IdentityObjects. The phone number or e-mail only as
  identityHash "sha256$" + hex(SHA-256(identifier + salt)) with hashed true and the salt (OB 3.0
  IdentityHash); the salt is public, so a determined search can still test candidate numbers:
  the hash keeps the identifier out of sight, it does not make it secret. The names as printed
  on the certificate (Latin, Arabic, Tifinagh scripts) as identityType "name", hashed false.
- languages: the main fields are French, with `inLanguage` "fr". The Arabic and Tamazight texts
  are the achievement's alternate language editions, which is what OB 3.0 `related` is for: a
  Related node per language with its inLanguage, name, description, and the criteria's text as
  `narrative` (terms the OB 3.0.3 context defines there: a Related node has no `criteria`). The
  main fields stay plain strings, as the OB JSON schema wants. Each node has one type only: JSON-LD
  processors disagree on a node with two type-scoped contexts (pyld and pyoxigraph read Related +
  Achievement differently), and a signature that a verifier canonicalizes otherwise fails there.
- the hours attended: a `result` whose ResultDescription has resultType "ext:AttendedHours"
  (OB 3.0 extensible enumeration), value the number of hours as a string.
"""
import copy
import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld
from pyld.context_resolver import ContextResolver

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CRYPTOSUITE = "eddsa-rdfc-2022"
LANGUAGES = ("fr", "ar", "zgh")
NAME_SCRIPTS = ("latin", "arabic", "tifinagh")

# Which vendored file answers which context URL. The VC 1.1, data-integrity v1 and ob_v3p0.jsonld
# contexts only serve the 1EdTech test vector and credentials written against them.
CONTEXT_FILES = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.json",
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld": "ob_v3p0.json",
}
CONTEXTS_DIR = Path(__file__).parent / "contexts"

# The French titles of the kinds of certificate (as the printed certificate has them) and the
# OB 3.0 achievementType of each; OB has no type for attendance alone, hence an "ext:" value.
KINDS = {
    "participation": ("Attestation de participation", "ext:AttendanceCertificate"),
    "achievement": ("Certificat de réussite", "CertificateOfCompletion"),
}

_ED25519_PUB = b"\xed\x01"  # multicodec prefix of an Ed25519 public key (varint of 0xed)
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


class ContextNotVendored(LookupError):
    """A document names a JSON-LD context that contexts/ does not hold: it is never fetched."""


class UndefinedTerm(ValueError):
    """A property that no context defines, which JSON-LD would drop (and a signature not cover)."""


# --- JSON-LD, offline ------------------------------------------------------------------------

@functools.cache
def _context_bytes(name: str) -> bytes:
    return (CONTEXTS_DIR / name).read_bytes()


def load_context(url: str, options: object | None = None) -> dict[str, Any]:
    """pyld document loader that serves only the vendored contexts."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise ContextNotVendored(url)
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(_context_bytes(name))}


def _refuse_dropped(term: str | None) -> None:
    raise UndefinedTerm(f"no context defines {term!r}")


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    # A resolver of its own: pyld's default one shares resolved contexts process-wide by URL.
    return processor.normalize(dict(document), {
        "algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load_context,
        "contextResolver": ContextResolver({}, load_context),
    })


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """What Ed25519 signs: SHA-256(canonical proof configuration) + SHA-256(canonical document)."""
    return (hashlib.sha256(canonical_nquads(proof_config).encode()).digest()
            + hashlib.sha256(canonical_nquads(document).encode()).digest())


# --- keys and multibase ----------------------------------------------------------------------

def _base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _BASE58[rest] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def _base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _BASE58.index(char)  # ValueError on a character outside the alphabet
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey_public(public_key_bytes: bytes) -> str:
    """publicKeyMultibase of an Ed25519 public key: "z" + base58-btc(0xed01 + key), "z6Mk…"."""
    if len(public_key_bytes) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return "z" + _base58_encode(_ED25519_PUB + public_key_bytes)


def public_key_from_multikey(multibase: str) -> bytes:
    """The 32 bytes of the Ed25519 public key a publicKeyMultibase holds."""
    if not multibase.startswith("z"):
        raise ValueError("not multibase base58-btc")
    data = _base58_decode(multibase[1:])
    if len(data) != 34 or not data.startswith(_ED25519_PUB):
        raise ValueError("not an Ed25519 public key")
    return data[2:]


def _private_key(private_key_bytes: bytes) -> Ed25519PrivateKey:
    """The key from its 32-byte seed, or from seed + public key (64 bytes, as NaCl and the
    1EdTech test vector write it)."""
    if len(private_key_bytes) not in (32, 64):
        raise ValueError("an Ed25519 private key has 32 bytes (or 64 with its public key)")
    key = Ed25519PrivateKey.from_private_bytes(private_key_bytes[:32])
    if len(private_key_bytes) == 64 and private_key_bytes[32:] != _public_bytes(key):
        raise ValueError("the last 32 bytes are not this key's public key")
    return key


def _public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- the issuer ------------------------------------------------------------------------------

def issuer_profile_id(issuer_url: str) -> str:
    return issuer_url.rstrip("/") + "/issuer.json"


def verification_method(issuer_url: str, public_key: bytes) -> str:
    """The id of a key in the issuer profile: the profile's URL, "#", the key's multibase."""
    return f"{issuer_profile_id(issuer_url)}#{multikey_public(public_key)}"


def issuer_profile(*, issuer_url: str, issuer_name: str, public_keys: Sequence[bytes]) -> dict[str, Any]:
    """The `/issuer.json` document: the school's OB 3.0 Profile and its keys as Multikey
    verification methods, each one usable for assertions. List every key that ever signed (the
    current one first): a credential signed with a retired key must still verify."""
    profile_id = issuer_profile_id(issuer_url)
    methods = [{"id": verification_method(issuer_url, key), "type": "Multikey", "controller": profile_id,
                "publicKeyMultibase": multikey_public(key)} for key in public_keys]
    return {
        "@context": [VC_V2, OB_V3, MULTIKEY_V1, {
            # The two terms of a controller document (W3C Controlled Identifiers, Data Integrity)
            # with the same IRIs, written here rather than vendoring one more context for them.
            "verificationMethod": {"@id": "https://w3id.org/security#verificationMethod", "@type": "@id"},
            "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id",
                                "@container": "@set"},
        }],
        "id": profile_id,
        "type": ["Profile"],
        "name": issuer_name,
        "url": issuer_url,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


# --- the credential --------------------------------------------------------------------------

def identity_hash(identifier: str, salt: str) -> str:
    """OB 3.0 IdentityHash: "sha256$" + hex SHA-256 of the UTF-8 identifier followed by the salt."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode()).hexdigest()


def _texts(what: str, texts: Mapping[str, str], allowed: Sequence[str], required: str) -> dict[str, str]:
    unknown = set(texts) - set(allowed)
    if unknown:
        raise ValueError(f"{what}: unknown keys {sorted(unknown)} (allowed: {', '.join(allowed)})")
    if not texts.get(required):
        raise ValueError(f"{what}: {required!r} is required")
    return {key: texts[key] for key in allowed if texts.get(key)}


def _decimal(number: float) -> str:
    """12.5 → "12.5", 12.0 → "12": to the hundredth, no trailing zeros, never an exponent."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _utc(moment: datetime) -> str:
    """XML Schema dateTime in UTC, to the second. A naive datetime is UTC (how Ecole stores time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(*, code: str, verify_url: str, issuer_url: str, issuer_name: str, holder_identifier: str,
                     salt: str, names: Mapping[str, str], course_titles: Mapping[str, str],
                     descriptions: Mapping[str, str], criteria: Mapping[str, str], hours: float,
                     valid_from: datetime, kind: str) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one certificate.

    `names` are the holder's names by script ("latin" required, "arabic", "tifinagh");
    `course_titles`, `descriptions` and `criteria` are texts by language ("fr" required, "ar",
    "zgh"); `holder_identifier` is the phone number or e-mail the account is known by, written the
    way the school normalizes it (only its salted hash goes into the credential).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of certificate {kind!r}")
    if not all(url.startswith(("https://", "http://")) for url in (verify_url, issuer_url)):
        # JSON-LD turns a relative IRI into nothing: the signature would not cover it.
        raise ValueError("the verify and issuer URLs must be absolute")
    if not holder_identifier or not salt:
        raise ValueError("the holder's identifier and a salt are required")
    if not math.isfinite(hours) or hours < 0:
        raise ValueError("hours must be a number of hours")
    names = _texts("names", names, NAME_SCRIPTS, "latin")
    titles = _texts("course_titles", course_titles, LANGUAGES, "fr")
    descriptions = _texts("descriptions", descriptions, LANGUAGES, "fr")
    criteria = _texts("criteria", criteria, LANGUAGES, "fr")
    kind_title, achievement_type = KINDS[kind]
    hours_id = f"{verify_url}#hours"

    achievement: dict[str, Any] = {
        "id": f"{verify_url}#achievement",
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": titles["fr"],
        "description": descriptions["fr"],
        "criteria": {"narrative": criteria["fr"]},
        "inLanguage": "fr",
        "resultDescription": [{"id": hours_id, "type": ["ResultDescription"], "name": "Heures de formation suivies",
                               "resultType": "ext:AttendedHours"}],
    }
    editions = []
    for language in LANGUAGES[1:]:
        if language not in titles:
            continue
        edition = {"id": f"{verify_url}#achievement-{language}", "type": ["Related"], "inLanguage": language,
                   "name": titles[language]}
        if language in descriptions:
            edition["description"] = descriptions[language]
        if language in criteria:
            edition["narrative"] = criteria[language]
        editions.append(edition)
    if editions:
        achievement["related"] = editions
    identifiers: list[dict[str, Any]] = [{
        "type": "IdentityObject", "identityHash": identity_hash(holder_identifier, salt),
        "identityType": "emailAddress" if "@" in holder_identifier else "ext:phoneNumber",
        "hashed": True, "salt": salt,
    }]
    identifiers += [{"type": "IdentityObject", "identityHash": name, "identityType": "name", "hashed": False}
                    for name in names.values()]
    return {
        "@context": [VC_V2, OB_V3],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_profile_id(issuer_url), "type": ["Profile"], "name": issuer_name, "url": issuer_url},
        "validFrom": _utc(valid_from),
        "name": f"{kind_title} : {titles['fr']}",
        "description": f"Code de vérification : {code}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": achievement,
            "result": [{"type": ["Result"], "resultDescription": hours_id, "value": _decimal(hours)}],
        },
    }


# --- the proof -------------------------------------------------------------------------------

def sign(credential: Mapping[str, Any], private_key_bytes: bytes, verification_method: str,
         created: str) -> dict[str, Any]:
    """A copy of the credential with its DataIntegrityProof (eddsa-rdfc-2022, assertionMethod)."""
    if "proof" in credential:
        raise ValueError("the credential already has a proof")
    if not _DATE_TIME.fullmatch(created):
        raise ValueError("created must be an XML Schema dateTime with its time zone")
    key = _private_key(private_key_bytes)
    options = {"type": "DataIntegrityProof", "created": created, "verificationMethod": verification_method,
               "cryptosuite": CRYPTOSUITE, "proofPurpose": "assertionMethod"}
    signature = key.sign(hash_data(credential, {"@context": credential["@context"], **options}))
    return {**copy.deepcopy(dict(credential)), "proof": {**options, "proofValue": "z" + _base58_encode(signature)}}


def verify(signed: Mapping[str, Any], public_key_bytes: bytes) -> bool:
    """Whether the proof of `signed` is an eddsa-rdfc-2022 assertion by this key over exactly
    this document. Which key that must be (the verificationMethod's) is the caller's choice."""
    public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes)  # a wrong key is the caller's error
    # From here on, whatever the document holds, the answer is False rather than an exception: a
    # tampered credential can break canonicalization or decoding in many ways, all of them "no".
    try:
        document = dict(signed)
        proof = dict(document.pop("proof"))
        proof_value = proof.pop("proofValue")
        if (proof.get("type"), proof.get("cryptosuite"), proof.get("proofPurpose")) != (
                "DataIntegrityProof", CRYPTOSUITE, "assertionMethod"):
            return False
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            return False
        signature = _base58_decode(proof_value[1:])
        if len(signature) != 64 or not isinstance(proof.get("created"), str) \
                or not _DATE_TIME.fullmatch(proof["created"]):
            return False
        if proof.setdefault("@context", document["@context"]) != document["@context"]:
            return False
        public_key.verify(signature, hash_data(document, proof))
        return True
    except Exception:  # InvalidSignature, and every way a changed document fails to canonicalize
        return False
