"""The signed credential: the 1EdTech test vector byte for byte, tampering, the issuer's key, and
verifiers other than ours: openbadgeslib's Open Badges 3.0 verifier (its own contexts, checks and
proof code, on pyld as ours is), and a check that shares no code with the module at all
(pyoxigraph's JSON-LD parser and RDFC-1.0, base58, PyNaCl)."""
import copy
import hashlib
import json
import socket
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import base58
import nacl.exceptions
import nacl.signing
import pyoxigraph
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from openbadgeslib.ob3.verifier import OB3VerificationError

from ecole.certificates import credential
from tests.helpers import same_on_every_database

pytestmark = same_on_every_database

# --- The 1EdTech vector: Open Badges 3.0 Implementation Guide, "Linked Data Proof Test Vector for
# Open Badges 3.0" (1EdTech/openbadges-specification, ob_v3p0/impl/linked-data-proof-ob.md).

VECTOR_PUBLIC = bytes.fromhex("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
VECTOR_PRIVATE = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
                               "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
VECTOR_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
VECTOR_METHOD = "https://example.edu/issuers/565049#" + VECTOR_MULTIKEY
VECTOR_CREATED = "2010-01-01T19:23:24Z"

# "Document with cryptosuite context"
VECTOR_DOCUMENT = {
    "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
        "https://w3id.org/security/data-integrity/v1",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://example.edu/issuers/565049", "type": ["Profile"], "url": "https://www.imsglobal.org",
               "name": "Example Corp"},
    "issuanceDate": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {"narrative": "Team members are nominated for this badge by their peers and recognized upon "
                                      "review by Example Corp management."},
            "description": "This badge recognizes the development of the capacity to collaborate within a group "
                           "environment.",
            "name": "Teamwork",
        },
    },
}

# "Proof normalized" and "Document normalized": N-Quads, each line ending with a newline.
VECTOR_PROOF_CANON = """\
_:c14n0 <http://purl.org/dc/terms/created> "2010-01-01T19:23:24Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .
_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022" .
_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .
_:c14n0 <https://w3id.org/security#verificationMethod> \
<https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi> .
"""
XSD_STRING = "^^<https://www.w3.org/2001/XMLSchema#string>"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
VECTOR_DOCUMENT_CANON = f"""\
<did:example:ebfeb1f712ebc6f1c276e12ec21> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{OB}AchievementSubject> .
<did:example:ebfeb1f712ebc6f1c276e12ec21> <{OB}Achievement> \
<https://example.com/achievements/21st-century-skills/teamwork> .
<http://example.com/credentials/3527> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{OB}OpenBadgeCredential> .
<http://example.com/credentials/3527> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> \
<https://www.w3.org/2018/credentials#VerifiableCredential> .
<http://example.com/credentials/3527> <https://schema.org/name> "Teamwork Badge"{XSD_STRING} .
<http://example.com/credentials/3527> <https://www.w3.org/2018/credentials#credentialSubject> \
<did:example:ebfeb1f712ebc6f1c276e12ec21> .
<http://example.com/credentials/3527> <https://www.w3.org/2018/credentials#issuanceDate> \
"2010-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<http://example.com/credentials/3527> <https://www.w3.org/2018/credentials#issuer> \
<https://example.edu/issuers/565049> .
<https://example.com/achievements/21st-century-skills/teamwork> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> \
<{OB}Achievement> .
<https://example.com/achievements/21st-century-skills/teamwork> <{OB}Criteria> _:c14n0 .
<https://example.com/achievements/21st-century-skills/teamwork> <https://schema.org/description> \
"This badge recognizes the development of the capacity to collaborate within a group environment."{XSD_STRING} .
<https://example.com/achievements/21st-century-skills/teamwork> <https://schema.org/name> "Teamwork"{XSD_STRING} .
<https://example.edu/issuers/565049> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{OB}Profile> .
<https://example.edu/issuers/565049> <https://schema.org/name> "Example Corp"{XSD_STRING} .
<https://example.edu/issuers/565049> <https://schema.org/url> \
"https://www.imsglobal.org"^^<https://www.w3.org/2001/XMLSchema#anyURI> .
_:c14n0 <{OB}narrative> \
"Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."\
{XSD_STRING} .
"""
VECTOR_DOCUMENT_HASH = "d994aebd5e53f4af4495dbe9e1155410bae683811107c26acf83671075c163b3"
VECTOR_PROOF_HASH = "3cf3c265b6c8ebb29b4d5ea310b87d2f31c79b633eff8af561d2e8c97a85c8cb"
VECTOR_SIGNATURE = ("17a898a91832fa58bd66433e18dc8256522bcf84382994c395c23c26cba71ff8"
                    "060a2587390e5ed20c4decec45c0c0c9eec1f7d2d1ce91e1ffc992983a74a300")
VECTOR_PROOF = {
    "type": "DataIntegrityProof",
    "created": VECTOR_CREATED,
    "verificationMethod": VECTOR_METHOD,
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
    "proofValue": "zUSD5bjo6mYV1n9i9E6ZwUiHuj4JyZDjCDfDqoJcPi9XJrc9LYstik9mdBvutdwBdquWXjWrwJDVGJrAarvRs8uD",
}


def vector_proof_config():
    options = {key: value for key, value in VECTOR_PROOF.items() if key != "proofValue"}
    return {"@context": VECTOR_DOCUMENT["@context"], **options}


def test_vector_document_canonical_form_and_hash():
    canon = credential.canonical_nquads(VECTOR_DOCUMENT)
    assert canon == VECTOR_DOCUMENT_CANON
    assert hashlib.sha256(canon.encode()).hexdigest() == VECTOR_DOCUMENT_HASH


def test_vector_proof_canonical_form_and_hash():
    canon = credential.canonical_nquads(vector_proof_config())
    assert canon == VECTOR_PROOF_CANON
    assert hashlib.sha256(canon.encode()).hexdigest() == VECTOR_PROOF_HASH


def test_vector_data_to_sign_signature_and_proof():
    data = credential.hash_data(VECTOR_DOCUMENT, vector_proof_config())
    assert data.hex() == VECTOR_PROOF_HASH + VECTOR_DOCUMENT_HASH
    assert Ed25519PrivateKey.from_private_bytes(VECTOR_PRIVATE[:32]).sign(data).hex() == VECTOR_SIGNATURE

    signed = credential.sign(VECTOR_DOCUMENT, VECTOR_PRIVATE, VECTOR_METHOD, VECTOR_CREATED)

    assert signed == {**VECTOR_DOCUMENT, "proof": VECTOR_PROOF}
    assert credential.verify(signed, VECTOR_PUBLIC)


def test_vector_key_as_multikey():
    assert credential.multikey_public(VECTOR_PUBLIC) == VECTOR_MULTIKEY
    assert credential.public_key_from_multikey(VECTOR_MULTIKEY) == VECTOR_PUBLIC
    # The 32-byte seed alone signs the same
    assert credential.sign(VECTOR_DOCUMENT, VECTOR_PRIVATE[:32], VECTOR_METHOD, VECTOR_CREATED)["proof"] == VECTOR_PROOF


def test_identity_hash_of_the_ob3_specification_example():
    # The IdentityObject of the OB 3.0 examples: salt "FleurDeSel", e-mail jjefferson18@example.com
    assert credential.identity_hash("jjefferson18@example.com", "FleurDeSel") == (
        "sha256$658625b25ab3d75d613ca97d9a5a77f70e2192feca5557f4ad09a4d4f121f5fc")


# --- Ecole's credentials

SEED = hashlib.sha256(b"ecole test issuer key").digest()
PUBLIC = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
OLD_SEED = hashlib.sha256(b"ecole retired issuer key").digest()
OLD_PUBLIC = Ed25519PrivateKey.from_private_bytes(OLD_SEED).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
BASE = "https://ecole.example.org"
PHONE = "+212612345678"


def ecole_credential(**changes):
    fields = dict(
        code="K7Q2-M4XD", verify_url=f"{BASE}/verify/K7Q2-M4XD", issuer_url=BASE,
        issuer_name="École Pratique de Développement Rural", holder_identifier=PHONE, salt="3f9c2a71d0b84e5c",
        names={"latin": "Fatima Aït Ali", "arabic": "فاطمة آيت علي", "tifinagh": "ⴼⴰⵟⵉⵎⴰ ⴰⵢⵜ ⵄⵍⵉ"},
        course_titles={"fr": "Gestion de l'eau d'irrigation", "ar": "تدبير مياه السقي", "zgh": "ⴰⵙⵡⵓⴷⴷⵓ ⵏ ⵡⴰⵎⴰⵏ"},
        descriptions={"fr": "Partager l'eau entre les ayants droit.", "ar": "تقاسم الماء بين ذوي الحقوق.",
                      "zgh": "ⴰⴱⵟⵟⵓ ⵏ ⵡⴰⵎⴰⵏ."},
        criteria={"fr": "Avoir suivi au moins 80 % des séances.", "ar": "حضور 80٪ على الأقل من الحصص.",
                  "zgh": "ⴰⵙⵍⵎⴷ 80 %."},
        hours=12.5, valid_from=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), kind="participation",
    )
    return credential.build_credential(**{**fields, **changes})


def ecole_signed(**changes):
    method = credential.verification_method(BASE, PUBLIC)
    return credential.sign(ecole_credential(**changes), SEED, method, "2026-03-01T09:30:00Z")


def profile():
    return credential.issuer_profile(issuer_url=BASE, issuer_name="École Pratique de Développement Rural",
                                     public_keys=[PUBLIC, OLD_PUBLIC])


def test_an_issued_credential_verifies():
    signed = ecole_signed()
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["verificationMethod"] == f"{BASE}/issuer.json#{credential.multikey_public(PUBLIC)}"
    assert credential.verify(signed, PUBLIC)
    assert not credential.verify(signed, OLD_PUBLIC)


def test_the_credential_says_what_the_certificate_says():
    issued = ecole_credential()
    assert issued["@context"] == [credential.VC_V2, credential.OB_V3]
    assert issued["id"] == f"{BASE}/verify/K7Q2-M4XD"
    assert issued["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert issued["issuer"] == {"id": f"{BASE}/issuer.json", "type": ["Profile"],
                                "name": "École Pratique de Développement Rural", "url": BASE}
    assert issued["validFrom"] == "2026-03-01T09:30:00Z"
    subject = issued["credentialSubject"]
    assert [(i["identityType"], i["identityHash"]) for i in subject["identifier"][1:]] == [
        ("name", "Fatima Aït Ali"), ("name", "فاطمة آيت علي"), ("name", "ⴼⴰⵟⵉⵎⴰ ⴰⵢⵜ ⵄⵍⵉ")]
    achievement = subject["achievement"]
    assert (achievement["name"], achievement["inLanguage"]) == ("Gestion de l'eau d'irrigation", "fr")
    assert achievement["criteria"] == {"narrative": "Avoir suivi au moins 80 % des séances."}
    assert [(r["inLanguage"], r["name"], r["narrative"]) for r in achievement["related"]] == [
        ("ar", "تدبير مياه السقي", "حضور 80٪ على الأقل من الحصص."), ("zgh", "ⴰⵙⵡⵓⴷⴷⵓ ⵏ ⵡⴰⵎⴰⵏ", "ⴰⵙⵍⵎⴷ 80 %.")]
    hours = achievement["resultDescription"][0]
    assert subject["result"] == [{"type": ["Result"], "resultDescription": hours["id"], "value": "12.5"}]
    # Every term is one the contexts define: canonicalization refuses anything it would drop.
    assert "Fatima Aït Ali" in credential.canonical_nquads(issued)


def test_the_phone_number_is_only_there_hashed_and_salted():
    issued = ecole_credential(holder_identifier=PHONE, salt="3f9c2a71d0b84e5c")
    text = json.dumps(issued, ensure_ascii=False)
    assert PHONE not in text and PHONE.lstrip("+") not in text and "612345678" not in text
    holder = issued["credentialSubject"]["identifier"][0]
    assert holder == {"type": "IdentityObject",
                      "identityHash": "sha256$" + hashlib.sha256(f"{PHONE}3f9c2a71d0b84e5c".encode()).hexdigest(),
                      "identityType": "ext:phoneNumber", "hashed": True, "salt": "3f9c2a71d0b84e5c"}
    by_email = ecole_credential(holder_identifier="fatima@example.org")["credentialSubject"]["identifier"][0]
    assert by_email["identityType"] == "emailAddress" and "fatima" not in json.dumps(by_email)


def test_a_local_time_is_written_in_utc():
    casablanca = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Africa/Casablanca"))
    assert ecole_credential(valid_from=casablanca)["validFrom"] == "2026-07-01T09:00:00Z"
    assert ecole_credential(valid_from=datetime(2026, 7, 1, 10, 0))["validFrom"] == "2026-07-01T10:00:00Z"


def test_only_french_is_required():
    issued = ecole_credential(names={"latin": "Said Absent"}, course_titles={"fr": "Apiculture"},
                              descriptions={"fr": "Les ruches."}, criteria={"fr": "Présence."})
    assert "related" not in issued["credentialSubject"]["achievement"]
    assert credential.verify(credential.sign(issued, SEED, "urn:key", "2026-03-01T09:30:00Z"), PUBLIC)


@pytest.mark.parametrize("changes", [
    {"kind": "diploma"},
    {"course_titles": {"ar": "تدبير مياه السقي"}},
    {"names": {"arabic": "فاطمة"}},
    {"criteria": {"fr": "x", "en": "y"}},
    {"hours": -1},
    {"hours": float("nan")},
    {"salt": ""},
    {"verify_url": "/verify/K7Q2-M4XD"},
], ids=["unknown kind", "no French title", "no Latin name", "unknown language", "negative hours", "nan hours",
        "no salt", "relative URL"])
def test_an_incomplete_credential_is_refused(changes):
    with pytest.raises(ValueError):
        ecole_credential(**changes)


def test_sign_refuses_what_it_cannot_sign_well():
    with pytest.raises(ValueError):
        credential.sign(ecole_signed(), SEED, "urn:key", "2026-03-01T09:30:00Z")  # already signed
    with pytest.raises(ValueError):
        credential.sign(ecole_credential(), SEED, "urn:key", "1 March 2026")
    with pytest.raises(ValueError):
        credential.sign(ecole_credential(), SEED + PUBLIC[::-1], "urn:key", "2026-03-01T09:30:00Z")


def change_text(value: str) -> str:
    """One character changed (the last one, into another)."""
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def edit(path, change):
    """A tampering: apply `change` to the value at `path` (keys and list indexes) of the document."""
    def tamper(document):
        *parents, last = path
        node = document
        for key in parents:
            node = node[key]
        node[last] = change(node[last])
    return tamper


def drop_proof(document):
    del document["proof"]


def add_undefined_term(document):
    document["credentialSubject"]["note"] = "added later"


def context_not_vendored(document):
    document["@context"] = document["@context"] + ["https://example.org/my-context.json"]


TAMPERINGS = {
    "Latin name": edit(["credentialSubject", "identifier", 1, "identityHash"], change_text),
    "Arabic name": edit(["credentialSubject", "identifier", 2, "identityHash"], lambda name: name.replace("ف", "ق")),
    "hours": edit(["credentialSubject", "result", 0, "value"], lambda value: "13.5"),
    "validFrom": edit(["validFrom"], lambda value: value.replace("09:30", "09:31")),
    "holder hash": edit(["credentialSubject", "identifier", 0, "identityHash"], change_text),
    "course title": edit(["credentialSubject", "achievement", "name"], lambda name: name + "."),
    "Tamazight criteria": edit(["credentialSubject", "achievement", "related", 1, "narrative"], change_text),
    "issuer name": edit(["issuer", "name"], change_text),
    "credential id": edit(["id"], change_text),
    "proofValue": edit(["proof", "proofValue"], lambda value: value[:10] + ("A" if value[10] != "A" else "B")
                       + value[11:]),
    "proofValue not base58": edit(["proof", "proofValue"], lambda value: value[:-1] + "0"),
    "proofValue truncated": edit(["proof", "proofValue"], lambda value: value[:-1]),
    "proof created": edit(["proof", "created"], lambda value: value.replace("09:30", "09:31")),
    "verificationMethod": edit(["proof", "verificationMethod"], change_text),
    "cryptosuite": edit(["proof", "cryptosuite"], lambda value: "eddsa-jcs-2022"),
    "proof type": edit(["proof", "type"], lambda value: "Ed25519Signature2020"),
    "proof is a string": edit(["proof"], lambda value: "z123"),
    "no proof": drop_proof,
    "undefined term added": add_undefined_term,
    "context not vendored": context_not_vendored,
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_any_change_fails_verification(tamper):
    signed = ecole_signed()
    tampered = copy.deepcopy(signed)
    tamper(tampered)
    assert tampered != signed
    assert credential.verify(tampered, PUBLIC) is False


@pytest.mark.parametrize("nonsense", [{}, {"proof": {}}, {"@context": 3, "proof": VECTOR_PROOF}],
                         ids=["empty", "empty proof", "context not a list"])
def test_nonsense_is_not_verified_and_raises_nothing(nonsense):
    assert credential.verify(nonsense, PUBLIC) is False


def test_the_issuer_profile_key_verifies_the_credential():
    signed, issuer = ecole_signed(), profile()
    assert issuer["id"] == signed["issuer"]["id"] == f"{BASE}/issuer.json"
    method = next(m for m in issuer["verificationMethod"] if m["id"] == signed["proof"]["verificationMethod"])
    assert method["id"] in issuer["assertionMethod"]
    assert method["type"] == "Multikey" and method["controller"] == issuer["id"]
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert credential.verify(signed, credential.public_key_from_multikey(method["publicKeyMultibase"]))
    # Every term of the profile is defined by its contexts (nothing dropped).
    assert "publicKeyMultibase" in credential.canonical_nquads(issuer)


def test_a_credential_signed_with_a_retired_key_still_verifies_with_the_profile():
    old = credential.sign(ecole_credential(), OLD_SEED, credential.verification_method(BASE, OLD_PUBLIC),
                          "2025-01-01T00:00:00Z")
    method = next(m for m in profile()["verificationMethod"] if m["id"] == old["proof"]["verificationMethod"])
    assert credential.verify(old, credential.public_key_from_multikey(method["publicKeyMultibase"]))


def test_contexts_come_only_from_the_vendored_files(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert credential.verify(ecole_signed(), PUBLIC)
    with pytest.raises(credential.ContextNotVendored):
        credential.load_context("https://www.w3.org/ns/credentials/examples/v2")


# Digests of the published contexts (see ecole/certificates/contexts/README.md for their sources)
CONTEXT_DIGESTS = {
    "credentials-v2.json": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "ob-v3p0-context-3.0.3.json": "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
    "multikey-v1.json": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    "credentials-v1.json": "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    "data-integrity-v1.json": "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    "ob_v3p0.json": "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72",
}


def test_the_vendored_contexts_are_the_published_bytes():
    assert sorted(credential.CONTEXT_FILES.values()) == sorted(CONTEXT_DIGESTS)
    for name, digest in CONTEXT_DIGESTS.items():
        assert hashlib.sha256((credential.CONTEXTS_DIR / name).read_bytes()).hexdigest() == digest, name


# --- Independent verifiers

def test_openbadgeslib_verifies_the_credential_as_an_open_badge():
    """openbadgeslib (PyPI) checks an OB 3.0 Data Integrity credential its own way: its pinned
    contexts, the JSON being the compacted form of what is signed, the OB data model, the proof."""
    pem = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signed = ecole_signed()
    badge = OB3LdpVerifier(pubkey_pem=pem).verify(signed)
    assert badge.achievement.name == "Gestion de l'eau d'irrigation"
    assert badge.results[0].value == "12.5"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["result"][0]["value"] = "13.5"
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier(pubkey_pem=pem).verify(tampered)


def oxigraph_canonical_nquads(document):
    """RDFC-1.0 by pyoxigraph (Rust), from its own JSON-LD parser. It loads no remote context, so
    each context URL is replaced by the content of the vendored file (the same definitions)."""
    contexts = {url: json.loads((credential.CONTEXTS_DIR / name).read_bytes())["@context"]
                for url, name in credential.CONTEXT_FILES.items()}
    inlined = {**document, "@context": [contexts[c] if isinstance(c, str) else c for c in document["@context"]]}
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(json.dumps(inlined), pyoxigraph.RdfFormat.JSON_LD))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def independent_verify(signed, issuer_profile):
    """eddsa-rdfc-2022 verification with none of the module's code: pyoxigraph canonicalizes,
    base58 decodes, PyNaCl (libsodium) checks the signature; the key comes from the profile."""
    document = {key: value for key, value in signed.items() if key != "proof"}
    proof = signed["proof"]
    config = {"@context": document["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    data = (hashlib.sha256(oxigraph_canonical_nquads(config).encode()).digest()
            + hashlib.sha256(oxigraph_canonical_nquads(document).encode()).digest())
    method = next(m for m in issuer_profile["verificationMethod"] if m["id"] == proof["verificationMethod"])
    key = base58.b58decode(method["publicKeyMultibase"][1:])
    assert method["publicKeyMultibase"][0] == "z" and key[:2] == b"\xed\x01"
    try:
        nacl.signing.VerifyKey(key[2:]).verify(data, base58.b58decode(proof["proofValue"][1:]))
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def test_an_independent_canonicalizer_reads_the_same_rdf():
    assert oxigraph_canonical_nquads(VECTOR_DOCUMENT) == VECTOR_DOCUMENT_CANON
    issued = ecole_credential()
    assert oxigraph_canonical_nquads(issued) == credential.canonical_nquads(issued)


def test_an_independent_verifier_accepts_the_credential_and_refuses_a_change():
    signed, issuer = ecole_signed(), profile()
    assert independent_verify(signed, issuer)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Fatima Ait Ali"
    assert not independent_verify(tampered, issuer)


def test_the_independent_verifier_accepts_the_1edtech_vector():
    vector_profile = {"verificationMethod": [{"id": VECTOR_METHOD, "publicKeyMultibase": VECTOR_MULTIKEY}]}
    assert independent_verify({**VECTOR_DOCUMENT, "proof": VECTOR_PROOF}, vector_profile)
