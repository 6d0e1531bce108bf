//! The crate's declarative helpers: wire enums that keep unlisted values, builders that
//! validate, and field getters.

/// An enum of listed wire strings plus `Other(String)` for anything else, serialized as the
/// string. Unlisted values are kept, never an error; [`crate::Validate`] impls decide whether
/// they break a rule.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value the spec does not list, kept as sent.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(other) => other,
                }
            }
        }

        impl $crate::validation::WireEnum for $name {
            const KNOWN: &'static [&'static str] = &[$($wire),+];
            fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from(value.as_str()))
            }
        }
    };
}

/// A builder for a message whose fields are all `Option`s: one setter per field, and
/// `build()`, which runs the message's [`crate::Validate`] check and hands out the value only
/// when it passes.
macro_rules! builder {
    (
        $(#[$meta:meta])*
        $builder:ident => $target:ident $(preset { $($pfield:ident = $pval:expr),* })? {
            $( $(#[$fmeta:meta])* $setter:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        pub struct $builder {
            inner: $target,
        }

        impl $builder {
            $(
                $(#[$fmeta])*
                pub fn $setter(mut self, value: impl Into<$ty>) -> Self {
                    self.inner.$setter = Some(value.into());
                    self
                }
            )*

            /// Adds a field this crate does not model (sent as is, not validated).
            pub fn extra_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
                self.inner.extra.insert(name.into(), value);
                self
            }

            /// Checks every rule of the spec and returns the value, or every violation.
            pub fn build(self) -> Result<$target, $crate::validation::ValidationErrors> {
                $crate::validation::Validate::validate(&self.inner)?;
                Ok(self.inner)
            }
        }

        impl $target {
            /// A builder; [`build`](#method.build) validates.
            pub fn builder() -> $builder {
                #[allow(unused_mut)]
                let mut builder = $builder::default();
                $( $( builder = builder.$pfield($pval); )* )?
                builder
            }
        }
    };
}

/// Getters returning `Option<&str>` for `String` fields (`name: str`) and `Option<&T>` for
/// others (`name: T`).
macro_rules! getters {
    ($target:ident { $($body:tt)* }) => {
        impl $target {
            getters!(@items $($body)*);
        }
    };
    (@items) => {};
    (@items $(#[$m:meta])* $name:ident : str $(, $($rest:tt)*)?) => {
        $(#[$m])*
        pub fn $name(&self) -> Option<&str> {
            self.$name.as_deref()
        }
        getters!(@items $($($rest)*)?);
    };
    (@items $(#[$m:meta])* $name:ident : $ty:ty $(, $($rest:tt)*)?) => {
        $(#[$m])*
        pub fn $name(&self) -> Option<&$ty> {
            self.$name.as_ref()
        }
        getters!(@items $($($rest)*)?);
    };
}

/// The `extra` getter every message with a flattened map of unknown fields has.
macro_rules! extra_getter {
    ($target:ident) => {
        impl $target {
            /// Fields this crate does not model, kept exactly as received (including `null`s).
            pub fn extra(&self) -> &serde_json::Map<String, serde_json::Value> {
                &self.extra
            }
        }
    };
}
