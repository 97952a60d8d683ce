"""Text both faces show: records, privacy masking, report, export."""
