package b10.transfer.trust;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;

/**
 * The public half of an Ed25519 private key, computed as RFC 8032 (5.1.5) defines it: the JDK
 * signs and verifies Ed25519 but has no API for this step, and a PKCS#8 file as openssl writes it
 * holds the private seed only. Runs once per saving JVM; the result is checked by signing and
 * verifying a test message, so a wrong derivation fails loudly instead of signing unverifiably.
 */
final class Ed25519 {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger BX = new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202");
    private static final BigInteger BY = new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960");

    private Ed25519() {
    }

    static PublicKey publicOf(PrivateKey key) throws GeneralSecurityException {
        if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new GeneralSecurityException("not an Ed25519 private key with its seed");
        }
        byte[] h = MessageDigest.getInstance("SHA-512").digest(ed.getBytes().get());
        byte[] a = new byte[32];
        System.arraycopy(h, 0, a, 0, 32);
        a[0] &= (byte) 248;
        a[31] &= 127;
        a[31] |= 64;
        BigInteger[] point = multiply(littleEndian(a), new BigInteger[] {BX, BY});
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(
                new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(point[0].testBit(0), point[1])));
        byte[] probe = "b10-transfer key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pub);
        v.update(probe);
        if (!v.verify(sig)) {
            throw new GeneralSecurityException("the public key derived from the private key does not verify its signature");
        }
        return pub;
    }

    private static BigInteger littleEndian(byte[] b) {
        byte[] big = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            big[i] = b[b.length - 1 - i];
        }
        return new BigInteger(1, big);
    }

    /** Double and add, affine coordinates on -x^2 + y^2 = 1 + d x^2 y^2. */
    private static BigInteger[] multiply(BigInteger scalar, BigInteger[] point) {
        BigInteger[] acc = {BigInteger.ZERO, BigInteger.ONE}; // the neutral element
        for (int i = scalar.bitLength() - 1; i >= 0; i--) {
            acc = add(acc, acc);
            if (scalar.testBit(i)) {
                acc = add(acc, point);
            }
        }
        return acc;
    }

    private static BigInteger[] add(BigInteger[] p1, BigInteger[] p2) {
        BigInteger x1 = p1[0];
        BigInteger y1 = p1[1];
        BigInteger x2 = p2[0];
        BigInteger y2 = p2[1];
        BigInteger dxy = D.multiply(x1).multiply(x2).multiply(y1).multiply(y2).mod(P);
        BigInteger x3 = x1.multiply(y2).add(x2.multiply(y1)).multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
        BigInteger y3 = y1.multiply(y2).add(x1.multiply(x2)).multiply(BigInteger.ONE.subtract(dxy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x3, y3};
    }
}
