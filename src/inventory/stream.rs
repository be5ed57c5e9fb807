//! Reading a snapshot file without holding it whole: first everything but its resources (the
//! collection errors, written after the resources, are needed before any resource is
//! evaluated), then its resources a chunk at a time, each checked as [`Snapshot::load`] checks
//! it. Memory is one chunk, not the file and every resource.

use super::snapshot::{SnapshotError, check_resource, mark_absent};
use super::{Resource, Snapshot, unknown};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};

/// A snapshot file whose resources are read a chunk at a time.
pub struct SnapshotFile {
    path: PathBuf,
    /// The snapshot without its resources (`resources` is empty).
    pub header: Snapshot,
}

/// Why reading a snapshot's resources stopped: the file, or what was done with a chunk.
#[derive(Debug)]
pub enum ChunkError<E> {
    Snapshot(SnapshotError),
    Consumer(E),
}

fn reader(path: &Path) -> Result<impl std::io::Read, SnapshotError> {
    let file = std::fs::File::open(path).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}

/// Every top-level field but `resources`, as JSON values.
struct HeaderFields;

impl<'de> Visitor<'de> for HeaderFields {
    type Value = serde_json::Map<String, serde_json::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a lockdown snapshot (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "resources" {
                map.next_value::<IgnoredAny>()?;
                fields.insert(key, serde_json::Value::Array(Vec::new()));
            } else {
                fields.insert(key, map.next_value()?);
            }
        }
        Ok(fields)
    }
}

impl SnapshotFile {
    /// Reads and checks everything but the resources of the snapshot at `path`.
    pub fn open(path: &Path) -> Result<Self, SnapshotError> {
        let invalid = |source| SnapshotError::Invalid {
            path: path.to_owned(),
            source,
        };
        let mut json = serde_json::Deserializer::from_reader(reader(path)?);
        let fields = serde::Deserializer::deserialize_map(&mut json, HeaderFields)
            .and_then(|fields| json.end().map(|()| fields))
            .map_err(invalid)?;
        let found = fields
            .get("schema_version")
            .and_then(serde_json::Value::as_u64);
        if let Some(found) = found.filter(|&v| v != u64::from(super::snapshot::SCHEMA_VERSION)) {
            return Err(SnapshotError::UnsupportedVersion {
                path: path.to_owned(),
                found: u32::try_from(found).unwrap_or(u32::MAX),
            });
        }
        let header: Snapshot = match serde_json::from_value(serde_json::Value::Object(fields)) {
            Ok(header) => header,
            // A value's own error has no position: the whole-file reader's says where.
            Err(error) => return Err(Snapshot::load(path).err().unwrap_or(invalid(error))),
        };
        header.check_identifiers(path)?;
        Ok(Self {
            path: path.to_owned(),
            header,
        })
    }

    /// Hands the resources to `consume`, `size` at a time and in file order, each checked and
    /// with the collection errors about it placed on it (as [`Snapshot::load`] does). Once the
    /// last chunk is consumed, the header's errors also hold the gaps left by errors about
    /// resources that are not in the file. The next chunk is read on a thread of its own while
    /// `consume` works on the last one.
    pub fn for_each_chunk<E>(
        &mut self,
        size: usize,
        mut consume: impl FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
    ) -> Result<(), ChunkError<E>> {
        let (path, header) = (self.path.as_path(), &self.header);
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Resource>>(1);
        let (read, placed, consumed) = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let send = |_: &Snapshot, chunk| sender.send(chunk);
                read_chunks(path, header, size, send)
            });
            let mut consumed = Ok(());
            for chunk in &receiver {
                if let Err(error) = consume(header, chunk) {
                    consumed = Err(error);
                    break;
                }
            }
            // A reader still sending stops at its next chunk.
            drop(receiver);
            let (read, placed) = reader.join().expect("the snapshot reader does not panic");
            (read, placed, consumed)
        });
        consumed.map_err(ChunkError::Consumer)?;
        match read {
            Ok(()) => {}
            Err(ChunkError::Snapshot(error)) => return Err(ChunkError::Snapshot(error)),
            // Only once `consume` failed, which is reported above.
            Err(ChunkError::Consumer(_)) => {}
        }
        unknown::add_gaps(&mut self.header.errors, &placed);
        Ok(())
    }
}

/// Reads the resources of the snapshot at `path` (whose header is `header`) and hands them to
/// `consume` a chunk at a time; returns what the errors found to be placed on.
fn read_chunks<E>(
    path: &Path,
    header: &Snapshot,
    size: usize,
    consume: impl FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
) -> (Result<(), ChunkError<E>>, unknown::Placed) {
    // A snapshot this build wrote has every attribute: its resources are read straight into
    // their types. An older build's may lack some, which are then marked unknown.
    let current = header.collection.lockdown_version == env!("CARGO_PKG_VERSION");
    let mut chunks = Chunks {
        path,
        header,
        current,
        size: size.max(1),
        consume,
        placed: unknown::Placed::default(),
        failed: None,
    };
    let read = reader(path).map_err(ChunkError::Snapshot).and_then(|file| {
        let mut json = serde_json::Deserializer::from_reader(file);
        let read = serde::Deserializer::deserialize_map(&mut json, &mut chunks);
        if let Some(failed) = chunks.failed.take() {
            return Err(failed);
        }
        read.map_err(|source| {
            ChunkError::Snapshot(SnapshotError::Invalid {
                path: path.to_owned(),
                source,
            })
        })
    });
    (read, chunks.placed)
}

/// The state of one pass over the resources.
struct Chunks<'a, F, E> {
    path: &'a Path,
    header: &'a Snapshot,
    /// Written by this version of lockdown.
    current: bool,
    size: usize,
    consume: F,
    placed: unknown::Placed,
    /// Why the pass stopped, when it was not the JSON.
    failed: Option<ChunkError<E>>,
}

impl<F, E> Chunks<'_, F, E>
where
    F: FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
{
    /// One resource, read as `Snapshot::load` reads it.
    fn resource(&self, index: usize, raw: &RawValue) -> Result<Resource, SnapshotError> {
        let invalid = |error: serde_json::Error| {
            let message = error.to_string();
            let position = format!(" at line {} column {}", error.line(), error.column());
            SnapshotError::InvalidResource {
                path: self.path.to_owned(),
                index,
                message: message
                    .strip_suffix(&position)
                    .map_or(message.clone(), str::to_owned),
            }
        };
        let resource = match serde_json::from_str::<Resource>(raw.get()) {
            Ok(resource) => resource,
            // Written before some attribute existed: those attributes are unknown.
            Err(error) if error.to_string().starts_with("missing field") => {
                let mut value: serde_json::Value =
                    serde_json::from_str(raw.get()).map_err(invalid)?;
                mark_absent(&mut value);
                serde_json::from_value(value).map_err(invalid)?
            }
            Err(error) => return Err(invalid(error)),
        };
        check_resource(index, &resource, self.path)?;
        Ok(resource)
    }

    fn flush(&mut self, chunk: &mut Vec<Resource>) -> Result<(), ChunkError<E>> {
        let mut full = std::mem::replace(chunk, Vec::with_capacity(self.size));
        unknown::attach_chunk(&mut full, &self.header.errors, &mut self.placed);
        (self.consume)(self.header, full).map_err(ChunkError::Consumer)
    }

    /// Reads the resources array, stopping at the first failure (kept in `failed`).
    fn read<'de, A: SeqAccess<'de>>(&mut self, mut seq: A) -> Result<(), A::Error> {
        let mut chunk = Vec::with_capacity(self.size);
        let mut index = 0;
        let stop = |this: &mut Self, failure| {
            this.failed = Some(failure);
            serde::de::Error::custom("stopped")
        };
        loop {
            let read = if self.current {
                seq.next_element::<Resource>()
                    .map(|r| r.map(|r| check_resource(index, &r, self.path).map(|()| r)))
            } else {
                seq.next_element::<Box<RawValue>>()
                    .map(|raw| raw.map(|raw| self.resource(index, &raw)))
            };
            match read? {
                None => break,
                Some(Ok(resource)) => chunk.push(resource),
                Some(Err(error)) => return Err(stop(self, ChunkError::Snapshot(error))),
            }
            index += 1;
            if chunk.len() == self.size
                && let Err(failure) = self.flush(&mut chunk)
            {
                return Err(stop(self, failure));
            }
        }
        if !chunk.is_empty()
            && let Err(failure) = self.flush(&mut chunk)
        {
            return Err(stop(self, failure));
        }
        Ok(())
    }
}

impl<'de, F, E> Visitor<'de> for &mut Chunks<'_, F, E>
where
    F: FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a lockdown snapshot (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "resources" {
                map.next_value_seed(Resources(&mut *self))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `resources` array, read by [`Chunks::read`].
struct Resources<'c, 'a, F, E>(&'c mut Chunks<'a, F, E>);

impl<'de, F, E> DeserializeSeed<'de> for Resources<'_, '_, F, E>
where
    F: FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F, E> Visitor<'de> for Resources<'_, '_, F, E>
where
    F: FnMut(&Snapshot, Vec<Resource>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.read(seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of this test process in the temporary directory.
    fn temporary(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "lockdown-stream-{name}-{}.json",
            std::process::id()
        ))
    }

    /// The resources a whole-file load gives, and the errors it leaves.
    fn loaded(path: &Path) -> (Vec<Resource>, Vec<super::super::CollectionError>) {
        let snapshot = Snapshot::load(path).expect("loads");
        (snapshot.resources, snapshot.errors)
    }

    #[test]
    fn chunks_give_what_a_whole_load_gives() {
        let path = temporary("same");
        let mut snapshot = crate::inventory::synthetic::snapshot(50, 4);
        // An error about a resource that is in the file, and one about a resource that is
        // not: the first is placed on it, the second becomes a gap once every chunk is seen.
        let present = snapshot.resources[37].clone();
        let about = |arn: &str| crate::inventory::CollectionError {
            action: "s3:GetBucketPolicy".into(),
            permission: "s3:GetBucketPolicy".into(),
            region: present.region.clone(),
            kind: crate::inventory::ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "denied".into(),
            affects: vec![crate::inventory::Affected {
                resource_type: present.resource_type().to_owned(),
                resource_arn: Some(arn.to_owned()),
                attributes: Vec::new(),
            }],
            account_id: None,
        };
        let errors = vec![about(&present.arn), about("arn:aws:s3:::not-in-the-file")];
        snapshot.errors.extend(errors);
        snapshot.save(&path).unwrap();

        let (resources, errors) = loaded(&path);
        let mut file = SnapshotFile::open(&path).unwrap();
        assert!(file.header.resources.is_empty());
        let mut streamed = Vec::new();
        let mut sizes = Vec::new();
        file.for_each_chunk(16, |_, chunk| {
            sizes.push(chunk.len());
            streamed.extend(chunk);
            Ok::<(), ()>(())
        })
        .unwrap();
        let expected: Vec<usize> = resources.chunks(16).map(<[Resource]>::len).collect();
        assert!(expected.len() > 2, "several chunks");
        assert_eq!(sizes, expected);
        assert_eq!(streamed, resources);
        assert!(!streamed[37].unknown.is_empty(), "the error is placed");
        assert_eq!(file.header.errors, errors, "the same gaps");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_bad_resource_is_named_by_its_index_and_nothing_after_it_is_consumed() {
        let path = temporary("bad");
        let mut snapshot = crate::inventory::synthetic::snapshot(40, 4);
        snapshot.resources[33].region = "../../x".into();
        snapshot.save(&path).unwrap();
        let mut file = SnapshotFile::open(&path).unwrap();
        let mut consumed = 0;
        let error = file
            .for_each_chunk(8, |_, chunk| {
                consumed += chunk.len();
                Ok::<(), ()>(())
            })
            .unwrap_err();
        let ChunkError::Snapshot(error) = error else {
            panic!("a snapshot error")
        };
        assert!(
            error.to_string().contains("resources[33].region"),
            "{error}"
        );
        assert_eq!(
            consumed, 32,
            "the chunk holding the bad resource is not consumed"
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_corrupt_header_says_where() {
        let path = temporary("corrupt");
        std::fs::write(&path, r#"{"schema_version": 1, "account": {"id": 12}}"#).unwrap();
        let message = SnapshotFile::open(&path).err().unwrap().to_string();
        assert!(message.contains("line 1"), "{message}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn an_older_lockdowns_resources_lack_attributes_that_are_then_unknown() {
        let path = temporary("older");
        let mut snapshot = crate::inventory::synthetic::snapshot(200, 2);
        snapshot.collection.lockdown_version = "0.0.9".into();
        let mut value = serde_json::to_value(&snapshot).unwrap();
        let bucket = value["resources"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["type"] == "aws.s3.bucket")
            .expect("a bucket");
        bucket["attributes"]
            .as_object_mut()
            .unwrap()
            .remove("versioning");
        let name = bucket["name"].as_str().unwrap().to_owned();
        std::fs::write(&path, value.to_string()).unwrap();
        let (resources, _) = loaded(&path);
        let mut streamed = Vec::new();
        SnapshotFile::open(&path)
            .unwrap()
            .for_each_chunk(7, |_, chunk| {
                streamed.extend(chunk);
                Ok::<(), ()>(())
            })
            .unwrap();
        let _ = std::fs::remove_file(path);
        assert_eq!(streamed, resources);
        let bucket = streamed.iter().find(|r| r.name == name).unwrap();
        assert_eq!(
            bucket.unknown["versioning"].kind,
            crate::inventory::ErrorKind::NotCollected
        );
    }
}
