// Creates a table pre-split at the given row keys, through HBase's Java
// admin API: the Thrift1 gateway can only create single-region tables, and
// tests/thrift_regions.rs needs scans that cross region boundaries.
//
//   java -cp 'HBASE_LIB/*' PreSplit.java ZK_PORT TABLE FAMILY SPLIT...
//
// Prints the number of regions the table has once created.

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

public class PreSplit {
  public static void main(String[] args) throws Exception {
    Configuration conf = HBaseConfiguration.create();
    conf.set("hbase.zookeeper.quorum", "127.0.0.1");
    conf.set("hbase.zookeeper.property.clientPort", args[0]);
    // A wrong port should fail the test quickly, not retry for minutes.
    conf.setInt("hbase.client.retries.number", 3);
    conf.setInt("zookeeper.recovery.retry", 1);
    conf.setInt("zookeeper.session.timeout", 10000);
    TableName table = TableName.valueOf(args[1]);
    byte[][] splits = new byte[args.length - 3][];
    for (int i = 3; i < args.length; i++) {
      splits[i - 3] = Bytes.toBytes(args[i]);
    }
    try (Connection connection = ConnectionFactory.createConnection(conf);
        Admin admin = connection.getAdmin()) {
      admin.createTable(
          TableDescriptorBuilder.newBuilder(table)
              .setColumnFamily(ColumnFamilyDescriptorBuilder.of(args[2]))
              .build(),
          splits);
      System.out.println(admin.getRegions(table).size());
    }
  }
}
