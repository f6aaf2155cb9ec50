-- Product images (ProductImageAdded, ProductImageRemoved, ProductImagesReordered): the catalog
-- view keeps each product's images in order, as JSON objects {imageId, contentType, bytes, alt,
-- sku?}; the files themselves are in the image storage, named by imageId.
ALTER TABLE catalog_products ADD COLUMN images jsonb NOT NULL DEFAULT '[]';
