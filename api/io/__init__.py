"""File imports and exports, the bulk loaders, spreadsheet safety and the demo."""
