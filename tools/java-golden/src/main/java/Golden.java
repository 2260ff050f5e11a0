import org.apache.hadoop.hbase.util.Bytes;

/** One line per value: type, the value as Rust writes it, Bytes.toBytes in hex. */
public class Golden {
    static void line(String type, String value, byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(String.format("%02x", b));
        }
        System.out.println(type + "\t" + value + "\t" + hex);
    }

    public static void main(String[] args) {
        for (long v : new long[] {0L, 1L, -1L, 42L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
            line("i64", Long.toString(v), Bytes.toBytes(v));
        }
        for (int v : new int[] {0, 1, -1, 258, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            line("i32", Integer.toString(v), Bytes.toBytes(v));
        }
        for (short v : new short[] {0, 1, -1, Short.MIN_VALUE, Short.MAX_VALUE}) {
            line("i16", Short.toString(v), Bytes.toBytes(v));
        }
        for (double v : new double[] {0.0, -0.0, 1.5, -2.25, Double.MAX_VALUE, Double.MIN_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
            line("f64", Double.toString(v), Bytes.toBytes(v));
        }
        for (float v : new float[] {0.0f, -0.0f, 1.5f, -2.25f, Float.MAX_VALUE, Float.MIN_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            line("f32", Float.toString(v), Bytes.toBytes(v));
        }
        line("bool", "true", Bytes.toBytes(true));
        line("bool", "false", Bytes.toBytes(false));
        for (String v : new String[] {"", "plain", "ünïcode 😀", "tab\tquote\""}) {
            line("string", v.replace("\t", "\\t"), Bytes.toBytes(v));
        }
    }
}
