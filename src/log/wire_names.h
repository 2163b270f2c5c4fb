// Delta's on-the-wire names (PROTOCOL.md): action keys and field names, in one place.
#pragma once

namespace delta::wire {

// Action keys.
inline constexpr char kProtocol[] = "protocol";
inline constexpr char kMetaData[] = "metaData";
inline constexpr char kAdd[] = "add";
inline constexpr char kRemove[] = "remove";
inline constexpr char kCdc[] = "cdc";
inline constexpr char kTxn[] = "txn";
inline constexpr char kCommitInfo[] = "commitInfo";
inline constexpr char kDomainMetadata[] = "domainMetadata";
inline constexpr char kCheckpointMetadata[] = "checkpointMetadata";
inline constexpr char kSidecar[] = "sidecar";

// protocol
inline constexpr char kMinReaderVersion[] = "minReaderVersion";
inline constexpr char kMinWriterVersion[] = "minWriterVersion";
inline constexpr char kReaderFeatures[] = "readerFeatures";
inline constexpr char kWriterFeatures[] = "writerFeatures";

// metaData
inline constexpr char kId[] = "id";
inline constexpr char kName[] = "name";
inline constexpr char kDescription[] = "description";
inline constexpr char kFormat[] = "format";
inline constexpr char kProvider[] = "provider";
inline constexpr char kOptions[] = "options";
inline constexpr char kSchemaString[] = "schemaString";
inline constexpr char kPartitionColumns[] = "partitionColumns";
inline constexpr char kConfiguration[] = "configuration";
inline constexpr char kCreatedTime[] = "createdTime";

// field metadata and table properties of generated columns and type widening
inline constexpr char kGenerationExpression[] = "delta.generationExpression";
inline constexpr char kTypeChanges[] = "delta.typeChanges";
inline constexpr char kEnableTypeWidening[] = "delta.enableTypeWidening";

// add / remove / cdc
inline constexpr char kPath[] = "path";
inline constexpr char kPartitionValues[] = "partitionValues";
inline constexpr char kPartitionValuesParsed[] = "partitionValues_parsed";
inline constexpr char kSize[] = "size";
inline constexpr char kModificationTime[] = "modificationTime";
inline constexpr char kDataChange[] = "dataChange";
inline constexpr char kStats[] = "stats";
inline constexpr char kStatsParsed[] = "stats_parsed";
inline constexpr char kTags[] = "tags";
inline constexpr char kDeletionVector[] = "deletionVector";
inline constexpr char kBaseRowId[] = "baseRowId";
inline constexpr char kDefaultRowCommitVersion[] = "defaultRowCommitVersion";
inline constexpr char kClusteringProvider[] = "clusteringProvider";
inline constexpr char kDeletionTimestamp[] = "deletionTimestamp";
inline constexpr char kExtendedFileMetadata[] = "extendedFileMetadata";

// deletion vector descriptor
inline constexpr char kStorageType[] = "storageType";
inline constexpr char kPathOrInlineDv[] = "pathOrInlineDv";
inline constexpr char kOffset[] = "offset";
inline constexpr char kSizeInBytes[] = "sizeInBytes";
inline constexpr char kCardinality[] = "cardinality";

// txn
inline constexpr char kAppId[] = "appId";
inline constexpr char kVersion[] = "version";
inline constexpr char kLastUpdated[] = "lastUpdated";

// domainMetadata
inline constexpr char kDomain[] = "domain";
inline constexpr char kRemoved[] = "removed";

// commitInfo
inline constexpr char kTimestamp[] = "timestamp";
inline constexpr char kInCommitTimestamp[] = "inCommitTimestamp";
inline constexpr char kOperation[] = "operation";
inline constexpr char kOperationParameters[] = "operationParameters";
inline constexpr char kOperationMetrics[] = "operationMetrics";

// stats
inline constexpr char kNumRecords[] = "numRecords";
inline constexpr char kMinValues[] = "minValues";
inline constexpr char kMaxValues[] = "maxValues";
inline constexpr char kNullCount[] = "nullCount";
inline constexpr char kTightBounds[] = "tightBounds";

// _last_checkpoint
inline constexpr char kParts[] = "parts";
inline constexpr char kCheckpointSchema[] = "checkpointSchema";
inline constexpr char kV2Checkpoint[] = "v2Checkpoint";

// schema JSON
inline constexpr char kType[] = "type";
inline constexpr char kFields[] = "fields";
inline constexpr char kNullable[] = "nullable";
inline constexpr char kMetadata[] = "metadata";
inline constexpr char kElementType[] = "elementType";
inline constexpr char kContainsNull[] = "containsNull";
inline constexpr char kKeyType[] = "keyType";
inline constexpr char kValueType[] = "valueType";
inline constexpr char kValueContainsNull[] = "valueContainsNull";

// column mapping field metadata
inline constexpr char kColumnMappingId[] = "delta.columnMapping.id";
inline constexpr char kColumnMappingPhysicalName[] = "delta.columnMapping.physicalName";
inline constexpr char kColumnMappingMode[] = "delta.columnMapping.mode";
// In-commit timestamps: table properties and the writer feature.
inline constexpr char kEnableInCommitTimestamps[] = "delta.enableInCommitTimestamps";
inline constexpr char kInCommitTimestampEnablementVersion[] =
    "delta.inCommitTimestampEnablementVersion";
inline constexpr char kInCommitTimestampEnablementTimestamp[] =
    "delta.inCommitTimestampEnablementTimestamp";
inline constexpr char kInCommitTimestampFeature[] = "inCommitTimestamp";
inline constexpr char kParquetFieldId[] = "PARQUET:field_id";

// CDF
inline constexpr char kChangeType[] = "_change_type";
inline constexpr char kCommitVersion[] = "_commit_version";
inline constexpr char kCommitTimestamp[] = "_commit_timestamp";

}  // namespace delta::wire
