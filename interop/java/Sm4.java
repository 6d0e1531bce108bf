import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * SM4 (GB/T 32907-2016) with the JDK alone, for the open platform's {@code *_encry} routes:
 * SM4/ECB/PKCS5Padding over the whole body, base64 on the wire, the key configured as the
 * base64 of 16 bytes (what Lakala's Java SDK calls {@code sm4Key}).
 *
 * <p>The JDK has no SM4 cipher, so this is written here from the standard, independently of
 * the Rust crates (which use RustCrypto's {@code sm4}). The S-box is not a copied table: it
 * is computed from its published algebraic structure, S(x) = A·(A·x ⊕ C)⁻¹ ⊕ C in GF(2⁸)
 * modulo x⁸+x⁷+x⁶+x⁵+x⁴+x²+1, with A the circulant matrix of 0xD3 and C = 0xD3; the round
 * constants CK are (4i+j)·7 mod 256; FK are the standard's. {@link #selfTest()} checks the
 * result against the standard's example (key = plaintext = 0123…3210).
 */
final class Sm4 {
    private static final int[] SBOX = sbox();
    private static final int[] FK = {0xA3B1BAC6, 0x56AA3350, 0x677D9197, 0xB27022DC};
    private static final int[] CK = ck();

    private final int[] encryptKeys;
    private final int[] decryptKeys;

    private Sm4(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("an SM4 key is 16 bytes, not " + key.length);
        }
        encryptKeys = roundKeys(key);
        decryptKeys = new int[32];
        for (int i = 0; i < 32; i++) {
            decryptKeys[i] = encryptKeys[31 - i];
        }
    }

    /** A key as configured: the base64 of 16 bytes (surrounding whitespace ignored). */
    static Sm4 fromBase64(String text) {
        return new Sm4(Base64.getDecoder().decode(text.trim()));
    }

    // ------------------------------------------------------------ constants

    private static int gfMul(int a, int b) {
        int r = 0;
        while (b != 0) {
            if ((b & 1) != 0) {
                r ^= a;
            }
            b >>= 1;
            a <<= 1;
            if ((a & 0x100) != 0) {
                a ^= 0x1F5;
            }
        }
        return r;
    }

    /** The affine map: output bit 7-i is the parity of (0xD3 rotated right by i) AND x. */
    private static int affine(int x) {
        int out = 0;
        for (int i = 0; i < 8; i++) {
            int row = ((0xD3 >>> i) | (0xD3 << (8 - i))) & 0xFF;
            out = (out << 1) | (Integer.bitCount(row & x) & 1);
        }
        return out;
    }

    private static int[] sbox() {
        int[] inverse = new int[256];
        for (int a = 1; a < 256; a++) {
            for (int b = 1; b < 256; b++) {
                if (gfMul(a, b) == 1) {
                    inverse[a] = b;
                    break;
                }
            }
        }
        int[] s = new int[256];
        for (int x = 0; x < 256; x++) {
            s[x] = affine(inverse[affine(x) ^ 0xD3]) ^ 0xD3;
        }
        return s;
    }

    private static int[] ck() {
        int[] ck = new int[32];
        for (int i = 0; i < 32; i++) {
            int word = 0;
            for (int j = 0; j < 4; j++) {
                word = (word << 8) | (((4 * i + j) * 7) & 0xFF);
            }
            ck[i] = word;
        }
        return ck;
    }

    // ------------------------------------------------------------ the cipher

    private static int tau(int a) {
        return (SBOX[(a >>> 24) & 0xFF] << 24) | (SBOX[(a >>> 16) & 0xFF] << 16)
                | (SBOX[(a >>> 8) & 0xFF] << 8) | SBOX[a & 0xFF];
    }

    private static int round(int x) {
        int b = tau(x);
        return b ^ Integer.rotateLeft(b, 2) ^ Integer.rotateLeft(b, 10) ^ Integer.rotateLeft(b, 18)
                ^ Integer.rotateLeft(b, 24);
    }

    private static int keyRound(int x) {
        int b = tau(x);
        return b ^ Integer.rotateLeft(b, 13) ^ Integer.rotateLeft(b, 23);
    }

    private static int word(byte[] in, int offset) {
        return ((in[offset] & 0xFF) << 24) | ((in[offset + 1] & 0xFF) << 16)
                | ((in[offset + 2] & 0xFF) << 8) | (in[offset + 3] & 0xFF);
    }

    private static void put(byte[] out, int offset, int w) {
        out[offset] = (byte) (w >>> 24);
        out[offset + 1] = (byte) (w >>> 16);
        out[offset + 2] = (byte) (w >>> 8);
        out[offset + 3] = (byte) w;
    }

    private static int[] roundKeys(byte[] key) {
        int[] k = new int[36];
        for (int i = 0; i < 4; i++) {
            k[i] = word(key, 4 * i) ^ FK[i];
        }
        int[] rk = new int[32];
        for (int i = 0; i < 32; i++) {
            k[i + 4] = k[i] ^ keyRound(k[i + 1] ^ k[i + 2] ^ k[i + 3] ^ CK[i]);
            rk[i] = k[i + 4];
        }
        return rk;
    }

    private static void block(int[] rk, byte[] in, int offset, byte[] out) {
        int[] x = new int[36];
        for (int i = 0; i < 4; i++) {
            x[i] = word(in, offset + 4 * i);
        }
        for (int i = 0; i < 32; i++) {
            x[i + 4] = x[i] ^ round(x[i + 1] ^ x[i + 2] ^ x[i + 3] ^ rk[i]);
        }
        for (int i = 0; i < 4; i++) {
            put(out, offset + 4 * i, x[35 - i]);
        }
    }

    /** SM4/ECB/PKCS5Padding. */
    byte[] encrypt(byte[] plaintext) {
        int pad = 16 - plaintext.length % 16;
        byte[] data = Arrays.copyOf(plaintext, plaintext.length + pad);
        Arrays.fill(data, plaintext.length, data.length, (byte) pad);
        byte[] out = new byte[data.length];
        for (int offset = 0; offset < data.length; offset += 16) {
            block(encryptKeys, data, offset, out);
        }
        return out;
    }

    /** SM4/ECB/PKCS5Padding; refuses a length or padding that is not whole. */
    byte[] decrypt(byte[] ciphertext) throws Wire.Refused {
        if (ciphertext.length == 0 || ciphertext.length % 16 != 0) {
            throw new Wire.Refused("sm4", "ciphertext of " + ciphertext.length + " bytes");
        }
        byte[] out = new byte[ciphertext.length];
        for (int offset = 0; offset < ciphertext.length; offset += 16) {
            block(decryptKeys, ciphertext, offset, out);
        }
        int pad = out[out.length - 1] & 0xFF;
        if (pad < 1 || pad > 16) {
            throw new Wire.Refused("sm4", "bad padding (another key?)");
        }
        for (int i = out.length - pad; i < out.length; i++) {
            if ((out[i] & 0xFF) != pad) {
                throw new Wire.Refused("sm4", "bad padding (another key?)");
            }
        }
        return Arrays.copyOf(out, out.length - pad);
    }

    /** The body of an {@code *_encry} request: base64 of the ciphertext of the JSON. */
    String seal(String json) {
        return Base64.getEncoder().encodeToString(encrypt(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Opens a sealed body (verify its signature first). */
    String open(String body) throws Wire.Refused {
        byte[] ciphertext;
        try {
            ciphertext = Base64.getDecoder().decode(body.trim());
        } catch (IllegalArgumentException e) {
            throw new Wire.Refused("sm4", "not base64: " + e.getMessage());
        }
        return new String(decrypt(ciphertext), StandardCharsets.UTF_8);
    }

    /** The standard's example: key = plaintext = 0123456789abcdeffedcba9876543210. */
    static String selfTest() {
        byte[] key = Wire.unhex("0123456789abcdeffedcba9876543210");
        Sm4 sm4 = new Sm4(key);
        byte[] one = new byte[16];
        block(sm4.encryptKeys, key, 0, one);
        String expected = "681edf34d206965e86b3e94f536e4246";
        if (!Wire.hex(one).equals(expected)) {
            return "the standard's example encrypts to " + Wire.hex(one) + ", not " + expected;
        }
        byte[] back = new byte[16];
        block(sm4.decryptKeys, one, 0, back);
        if (!Arrays.equals(back, key)) {
            return "the standard's example does not decrypt back";
        }
        return null;
    }
}
