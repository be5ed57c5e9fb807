"""Prints a self-signed certificate and its key (PEM) for ACM import tests.

Usage: make_certificate.py DOMAIN KEY_BITS DAYS_VALID
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

domain, bits, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
now = datetime.datetime.now(datetime.timezone.utc)
certificate = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=days))
    .sign(key, hashes.SHA256())
)
sys.stdout.write(certificate.public_bytes(serialization.Encoding.PEM).decode())
sys.stdout.write(
    key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
)
